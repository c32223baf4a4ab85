export { kafkaBus, type KafkaBusOptions } from './kafka-bus.js';
