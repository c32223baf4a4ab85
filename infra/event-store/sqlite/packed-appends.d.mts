import type { EncodedAppend } from './sqlite-writer.mjs';

export declare function packAppends(appends: readonly EncodedAppend[]): string | null;
export declare function unpackAppends(text: string): EncodedAppend[];
