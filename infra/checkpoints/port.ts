/** Where a log follower (relay, projector) remembers the last global position it finished. */
export interface CheckpointStore {
  load(name: string): Promise<number>;
  save(name: string, position: number): Promise<void>;
}
