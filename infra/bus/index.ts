export * from './port.js';
export { inprocBus } from './inproc-bus.js';
// The Kafka adapter is imported by path (`@parley/infra/bus/kafka`) so the embedded profile never loads kafkajs.
export { observedBus } from './observed-bus.js';
