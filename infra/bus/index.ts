export * from './port.js';
export { inprocBus } from './inproc-bus.js';
