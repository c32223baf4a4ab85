export declare const toThread: Readonly<{ accept: 1; refuse: 2; send: 3; subscribe: 4; end: 5; publish: 6; stop: 7 }>;
export declare const fromThread: Readonly<{ upgrade: 1; aborted: 2; message: 4; buffered: 5; close: 6; listening: 7; stopped: 8; processed: 9; error: 10 }>;
