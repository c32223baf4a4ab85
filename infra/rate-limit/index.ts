export * from './fixed-window.js';
