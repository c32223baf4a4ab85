/** Test helpers of the worker projector. Sub-path: `@parley/projections/worker/testing`. */
export { faultyProjectionsModule } from './faulty-projections.js';
export { jsonFileLogModule } from './json-file-log.js';
