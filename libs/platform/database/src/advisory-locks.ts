// Advisory locks taken with the two-int4 form live in a key space apart from the one-bigint form
// (PostgreSQL docs, "Advisory Lock Functions"), so system locks never collide with per-stream locks.
export const AIRLOCK_LOCK_NAMESPACE = 0x4149524c; // "AIRL"

export const SystemLocks = {
  migrations: 1,
  outboxRelay: 2,
} as const;
