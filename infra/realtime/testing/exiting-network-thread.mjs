// A network thread that says it listens and then ends by itself, as a thread that died would.
import { parentPort } from 'node:worker_threads';
import { fromThread } from '../network-protocol.mjs';

parentPort.postMessage([fromThread.listening, 1]);
setTimeout(() => process.exit(3), 20);
