export type ClusterRole = 'api' | 'fanout' | 'relay' | 'projector';

export declare const CLUSTER_ENTRIES: Record<ClusterRole, string>;
export declare function nodeFlagsFor(role: ClusterRole): readonly string[];
export declare function clusterNodeArgs(root: string, role: ClusterRole, extraFlags?: readonly string[]): string[];
export declare const EMBEDDED_ENTRY: string;
export declare function profilingFlags(env?: Record<string, string | undefined>): string[];
export declare function embeddedNodeArgs(root: string, extraFlags?: readonly string[]): string[];
