// System locks use the two-int4 advisory key form, a key space apart from the one-bigint form
// (PostgreSQL docs, "Advisory Lock Functions"), so they never collide with per-stream locks.
// The second key is the current schema, so each schema's migrations and relay lock on their own.
export const AdvisoryLockClass = {
  migrations: 0x41490001,
  outboxRelay: 0x41490002,
} as const;

/** SQL for the second key of a system lock: `pg_advisory_xact_lock($1, ${SCHEMA_LOCK_KEY})`. */
export const SCHEMA_LOCK_KEY = 'hashtext(current_schema())';
