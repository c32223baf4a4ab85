export type Buckets = Array<[number, number]>;

export declare function histogramBuckets(text: string, name: string, labels?: string): Buckets;
export declare function bucketsBetween(before: Buckets, after: Buckets): Buckets;
export declare function quantileBound(buckets: Buckets, q: number): number;
