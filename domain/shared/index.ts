export * from './decider.js';
export * from './insertion-order-map.js';
