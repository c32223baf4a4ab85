export { historyOperations } from './operations.js';
