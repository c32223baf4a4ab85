// Worker-thread entry of the read-model projector. Plain JS so that Node can start it under any
// runner (node --import tsx, vitest, a spawned cluster process); it registers tsx in this thread
// before importing the TypeScript host, which owns the read-model database's write connection.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { hostProjector } = await import(new URL('./projector-host.ts', import.meta.url).href);
await hostProjector(parentPort, workerData);
