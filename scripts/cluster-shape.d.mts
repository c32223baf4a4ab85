export interface ClusterProcess {
  name: string;
  role: 'relay' | 'api' | 'fanout' | 'projector';
  port: number;
  what: string;
}

export declare const MAX_NODES_PER_ROLE: number;
export declare function nodeCountArg(argv: readonly string[], name: string, fallback?: number): number;
export declare function clusterShapeArg(argv: readonly string[]): { apis: number; fanouts: number };
export declare function clusterProcesses(shape?: { apis?: number; fanouts?: number }): ClusterProcess[];
