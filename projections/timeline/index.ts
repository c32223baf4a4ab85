export type { TimelineOptions } from './projection.js';
export { timelineProjection, timelineTables, timelineOverLogTables } from './projection.js';
export type { MessageVisibility, TimelineViewer, TimelineMessage, TimelineFrame, HistoryQuery, HistoryPage, TimelineCoverage } from './queries.js';
export { attachEventLog, history, framesAfter, timelineCoverage, messageStatus, historyMaxLimit, framesMaxLimit } from './queries.js';
