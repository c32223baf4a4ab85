export type ClusterRole = 'api' | 'fanout' | 'relay' | 'projector';

export declare const CLUSTER_ENTRIES: Record<ClusterRole, string>;
export declare function nodeFlagsFor(role: ClusterRole): readonly string[];
export declare function clusterNodeArgs(root: string, role: ClusterRole, extraFlags?: readonly string[]): string[];
