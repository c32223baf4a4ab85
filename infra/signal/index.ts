export { NextSignal } from './next-signal.js';
