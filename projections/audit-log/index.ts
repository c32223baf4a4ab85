export type { AuditAction } from './projection.js';
export { auditLogProjection, auditLogTables, changedFieldsOf } from './projection.js';
export type { AuditEntry, AuditLogQuery, AuditLogPage } from './queries.js';
export { auditLog, auditLogMaxLimit } from './queries.js';
