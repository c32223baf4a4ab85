export { adminAnalyticsOperations } from './operations.js';
