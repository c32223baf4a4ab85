export * from './port.js';
export { inprocBus } from './inproc-bus.js';
export { kafkaBus, type KafkaBusOptions } from './kafka/index.js';
