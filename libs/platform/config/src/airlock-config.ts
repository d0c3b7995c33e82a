import { z } from 'zod';

// Environment parsed and validated once at boot (STYLE.md, immich's config repository).
// Anything unset falls back to the embedded default: PGlite, the in-process bus, local disk,
// clamd only if it answers, and a development identity provider.

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const port = z.coerce.number().int().min(0).max(65535);

const EnvSchema = z.object({
  AIRLOCK_DATABASE_URL: z.string().url().optional(),
  AIRLOCK_DATA_DIR: z.string().default('.airlock'),
  AIRLOCK_KAFKA_BROKERS: z.string().optional(),
  AIRLOCK_S3_ENDPOINT: z.string().url().optional(),
  AIRLOCK_S3_ACCESS_KEY: z.string().optional(),
  AIRLOCK_S3_SECRET_KEY: z.string().optional(),
  AIRLOCK_S3_REGION: z.string().default('us-east-1'),
  AIRLOCK_S3_FORCE_PATH_STYLE: bool.default('true'),
  AIRLOCK_S3_BUCKET_PREFIX: z.string().default('airlock-'),
  AIRLOCK_CLAMD_HOST: z.string().optional(),
  AIRLOCK_CLAMD_PORT: port.default(3310),
  // Must match clamd's StreamMaxLength: longer streams are "not scanned", never clean.
  AIRLOCK_CLAMD_STREAM_MAX_BYTES: z.coerce.number().int().positive().default(2100 * 1024 ** 2),
  // Must exceed clamd's MaxScanTime (120 s by default): a zip bomb keeps clamd busy that long before it
  // answers Heuristics.Limits.Exceeded.MaxScanTime (not scanned); giving up sooner would retry the same
  // file forever and stall its partition.
  AIRLOCK_CLAMD_TIMEOUT_MS: z.coerce.number().int().positive().default(180_000),
  AIRLOCK_OIDC_ISSUER: z.string().optional(),
  AIRLOCK_OIDC_AUDIENCE: z.string().default('airlock'),
  AIRLOCK_OIDC_JWKS_URL: z.string().url().optional(),
  AIRLOCK_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(10 * 1024 ** 3),
  AIRLOCK_DOWNLOAD_LINK_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  AIRLOCK_PUBLIC_INGRESS_URL: z.string().url().optional(),
  AIRLOCK_REQUIRED_APPROVALS: z.coerce.number().int().min(1).max(10).default(2),
  AIRLOCK_MIN_CELL_COUNT: z.coerce.number().int().min(1).default(10),
  // Webhooks (egress-review): where notable request events are POSTed, signed with the secret.
  AIRLOCK_WEBHOOK_URLS: z.string().optional(),
  AIRLOCK_WEBHOOK_SECRET: z.string().min(16).optional(),
  AIRLOCK_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  AIRLOCK_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  AIRLOCK_WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(1).max(60_000).default(1000),
  AIRLOCK_WEBHOOK_MAX_BACKOFF_MS: z.coerce.number().int().min(1).max(600_000).default(30_000),
  AIRLOCK_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AIRLOCK_HOST: z.string().default('127.0.0.1'),
  AIRLOCK_INGRESS_PORT: port.default(3000),
  AIRLOCK_EGRESS_REVIEW_PORT: port.default(3001),
  AIRLOCK_AUDIT_PORT: port.default(3002),
  AIRLOCK_DISCLOSURE_CHECK_PORT: port.default(3003),
});

export type AirlockConfig = {
  database: { url?: string };
  dataDir: string;
  kafka: { brokers?: string[] };
  s3?: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string; forcePathStyle: boolean; bucketPrefix: string };
  clamd?: { host: string; port: number; streamMaxLength: number; timeoutMs: number };
  /** Where the embedded default looks for a local clamd when AIRLOCK_CLAMD_HOST is not set. */
  clamdProbe: { host: string; port: number; streamMaxLength: number; timeoutMs: number };
  oidc?: { issuer: string; audience: string; jwksUrl: string };
  oidcAudience: string;
  limits: { maxUploadBytes: number; downloadLinkSeconds: number };
  policy: { requiredApprovals: number; minCellCount: number };
  logLevel: z.infer<typeof EnvSchema>['AIRLOCK_LOG_LEVEL'];
  /** Empty `urls`: no webhooks. Each delivery is tried `maxAttempts` times with capped exponential back-off. */
  webhooks: { urls: string[]; secret?: string; maxAttempts: number; timeoutMs: number; backoff: { initialMs: number; maxMs: number } };
  http: { host: string; ports: { ingress: number; egressReview: number; audit: number; disclosureCheck: number }; publicUrls: { ingress?: string } };
};

export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AirlockConfig {
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  if (e.AIRLOCK_S3_ENDPOINT && (!e.AIRLOCK_S3_ACCESS_KEY || !e.AIRLOCK_S3_SECRET_KEY)) {
    throw new ConfigError('Invalid configuration: AIRLOCK_S3_ENDPOINT needs AIRLOCK_S3_ACCESS_KEY and AIRLOCK_S3_SECRET_KEY');
  }
  if (e.AIRLOCK_OIDC_ISSUER && !e.AIRLOCK_OIDC_JWKS_URL) {
    throw new ConfigError('Invalid configuration: AIRLOCK_OIDC_ISSUER needs AIRLOCK_OIDC_JWKS_URL');
  }
  const webhookUrls = (e.AIRLOCK_WEBHOOK_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  const notHttp = webhookUrls.find((u) => !URL.canParse(u) || !['http:', 'https:'].includes(new URL(u).protocol));
  if (notHttp) throw new ConfigError(`Invalid configuration: AIRLOCK_WEBHOOK_URLS: ${JSON.stringify(notHttp)} is not an http(s) URL`);
  // Unsigned notifications could be forged by anyone who can reach the receiver.
  if (webhookUrls.length > 0 && !e.AIRLOCK_WEBHOOK_SECRET) throw new ConfigError('Invalid configuration: AIRLOCK_WEBHOOK_URLS needs AIRLOCK_WEBHOOK_SECRET');
  return {
    database: { url: e.AIRLOCK_DATABASE_URL },
    dataDir: e.AIRLOCK_DATA_DIR,
    kafka: { brokers: e.AIRLOCK_KAFKA_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean) },
    s3: e.AIRLOCK_S3_ENDPOINT
      ? {
          endpoint: e.AIRLOCK_S3_ENDPOINT,
          accessKeyId: e.AIRLOCK_S3_ACCESS_KEY as string,
          secretAccessKey: e.AIRLOCK_S3_SECRET_KEY as string,
          region: e.AIRLOCK_S3_REGION,
          forcePathStyle: e.AIRLOCK_S3_FORCE_PATH_STYLE,
          bucketPrefix: e.AIRLOCK_S3_BUCKET_PREFIX,
        }
      : undefined,
    clamd: e.AIRLOCK_CLAMD_HOST
      ? { host: e.AIRLOCK_CLAMD_HOST, port: e.AIRLOCK_CLAMD_PORT, streamMaxLength: e.AIRLOCK_CLAMD_STREAM_MAX_BYTES, timeoutMs: e.AIRLOCK_CLAMD_TIMEOUT_MS }
      : undefined,
    clamdProbe: { host: '127.0.0.1', port: e.AIRLOCK_CLAMD_PORT, streamMaxLength: e.AIRLOCK_CLAMD_STREAM_MAX_BYTES, timeoutMs: e.AIRLOCK_CLAMD_TIMEOUT_MS },
    oidc: e.AIRLOCK_OIDC_ISSUER
      ? { issuer: e.AIRLOCK_OIDC_ISSUER, audience: e.AIRLOCK_OIDC_AUDIENCE, jwksUrl: e.AIRLOCK_OIDC_JWKS_URL as string }
      : undefined,
    oidcAudience: e.AIRLOCK_OIDC_AUDIENCE,
    limits: { maxUploadBytes: e.AIRLOCK_MAX_UPLOAD_BYTES, downloadLinkSeconds: e.AIRLOCK_DOWNLOAD_LINK_SECONDS },
    policy: { requiredApprovals: e.AIRLOCK_REQUIRED_APPROVALS, minCellCount: e.AIRLOCK_MIN_CELL_COUNT },
    logLevel: e.AIRLOCK_LOG_LEVEL,
    webhooks: {
      urls: webhookUrls,
      secret: e.AIRLOCK_WEBHOOK_SECRET,
      maxAttempts: e.AIRLOCK_WEBHOOK_MAX_ATTEMPTS,
      timeoutMs: e.AIRLOCK_WEBHOOK_TIMEOUT_MS,
      backoff: { initialMs: e.AIRLOCK_WEBHOOK_BACKOFF_MS, maxMs: Math.max(e.AIRLOCK_WEBHOOK_BACKOFF_MS, e.AIRLOCK_WEBHOOK_MAX_BACKOFF_MS) },
    },
    http: {
      host: e.AIRLOCK_HOST,
      ports: {
        ingress: e.AIRLOCK_INGRESS_PORT,
        egressReview: e.AIRLOCK_EGRESS_REVIEW_PORT,
        audit: e.AIRLOCK_AUDIT_PORT,
        disclosureCheck: e.AIRLOCK_DISCLOSURE_CHECK_PORT,
      },
      publicUrls: { ingress: e.AIRLOCK_PUBLIC_INGRESS_URL?.replace(/\/$/, '') },
    },
  };
}
