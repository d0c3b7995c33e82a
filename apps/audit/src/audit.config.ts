import { AUDITED_TOPICS, Topics } from '@airlock/contracts';
import { z } from 'zod';
import { AUDIT_WRITER_ROLE } from './audit-log.migrations';

// The audit service's own settings, validated once at boot (the shared ones come from @airlock/config).
const days = z.coerce.number().int().min(0).max(36_500);
const positive = z.coerce.number().int().positive();

const AuditEnvSchema = z.object({
  /** Connect as a login role that is (a member of) the writer role; defaults to AIRLOCK_DATABASE_URL + `SET ROLE`. */
  AIRLOCK_AUDIT_DATABASE_URL: z.string().url().optional(),
  AIRLOCK_AUDIT_DB_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .default(AUDIT_WRITER_ROLE),
  /** Ed25519 private key, PKCS#8 PEM, or a file holding it. Required, except with AIRLOCK_DEV_IDENTITY=true (a development key in the data dir). */
  AIRLOCK_AUDIT_SIGNING_KEY: z.string().optional(),
  AIRLOCK_AUDIT_SIGNING_KEY_FILE: z.string().optional(),
  /** Public keys (SPKI PEM, one or more blocks) of earlier signing keys, or a file holding them: their checkpoints still verify. */
  AIRLOCK_AUDIT_RETIRED_PUBLIC_KEYS: z.string().optional(),
  AIRLOCK_AUDIT_RETIRED_PUBLIC_KEYS_FILE: z.string().optional(),
  AIRLOCK_AUDIT_CHECKPOINT_INTERVAL_MS: positive.default(60_000),
  AIRLOCK_AUDIT_CHECKPOINT_EVERY: positive.default(1_000),
  AIRLOCK_AUDIT_GROUP_ID: z.string().min(1).default('airlock.audit'),
  AIRLOCK_AUDIT_TOPICS: z.string().optional(),
  AIRLOCK_AUDIT_TOPIC: z.string().min(1).default(Topics.audit),
  /** Days a file is kept after its request was released, rejected or blocked; unset = kept for ever. */
  AIRLOCK_RETENTION_DAYS: days.optional(),
  AIRLOCK_RETENTION_RELEASED_DAYS: days.optional(),
  AIRLOCK_RETENTION_REJECTED_DAYS: days.optional(),
  AIRLOCK_RETENTION_BLOCKED_DAYS: days.optional(),
  AIRLOCK_RETENTION_SWEEP_INTERVAL_MS: positive.default(3_600_000),
});

export type RetentionDays = { released?: number; rejected?: number; blocked?: number };

export type AuditConfig = {
  databaseUrl?: string;
  writerRole: string;
  signingKey: { pem?: string; file?: string };
  retiredKeys: { pem?: string; file?: string };
  checkpoint: { intervalMs: number; everyRecords: number };
  consumer: { groupId: string; topics: string[] };
  auditTopic: string;
  retention: { days: RetentionDays; sweepIntervalMs: number };
};

export function loadAuditConfig(env: Record<string, string | undefined> = process.env): AuditConfig {
  const parsed = AuditEnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) throw new Error(`Invalid audit configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = parsed.data;
  const all = e.AIRLOCK_RETENTION_DAYS;
  return {
    databaseUrl: e.AIRLOCK_AUDIT_DATABASE_URL,
    writerRole: e.AIRLOCK_AUDIT_DB_ROLE,
    signingKey: { pem: e.AIRLOCK_AUDIT_SIGNING_KEY, file: e.AIRLOCK_AUDIT_SIGNING_KEY_FILE },
    retiredKeys: { pem: e.AIRLOCK_AUDIT_RETIRED_PUBLIC_KEYS, file: e.AIRLOCK_AUDIT_RETIRED_PUBLIC_KEYS_FILE },
    checkpoint: { intervalMs: e.AIRLOCK_AUDIT_CHECKPOINT_INTERVAL_MS, everyRecords: e.AIRLOCK_AUDIT_CHECKPOINT_EVERY },
    consumer: {
      groupId: e.AIRLOCK_AUDIT_GROUP_ID,
      topics: e.AIRLOCK_AUDIT_TOPICS
        ? e.AIRLOCK_AUDIT_TOPICS.split(',')
            .map((t) => t.trim())
            .filter(Boolean)
        : [...AUDITED_TOPICS],
    },
    auditTopic: e.AIRLOCK_AUDIT_TOPIC,
    retention: {
      days: {
        released: e.AIRLOCK_RETENTION_RELEASED_DAYS ?? all,
        rejected: e.AIRLOCK_RETENTION_REJECTED_DAYS ?? all,
        blocked: e.AIRLOCK_RETENTION_BLOCKED_DAYS ?? all,
      },
      sweepIntervalMs: e.AIRLOCK_RETENTION_SWEEP_INTERVAL_MS,
    },
  };
}
