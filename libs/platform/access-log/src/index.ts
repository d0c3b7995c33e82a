// Producer side: access events into the outbox, and the refusal helper for the HTTP problem filter.
export * from './access-event';
export { AccessLog, RecordingAccessLog, type AccessLogOptions, type AccessRecorder } from './access-log';
export { ANONYMOUS_USER_ID, refusalAccessEvent, requestIdFromPath, type HttpRefusal } from './http-refusal';
// Reader side: the audit chain's format, verification, checkpoints and exports (audit service and CLI).
export * from './chain/canonical-json';
export * from './chain/audit-chain';
export * from './chain/chain-verifier';
export * from './chain/checkpoint';
export * from './chain/export-format';
export * from './chain/export-verifier';
export * from './chain/postgres-chain';
