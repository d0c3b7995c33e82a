import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

// Environment parsed and validated once at boot (docs/style.md, immich's config repository).
// Anything unset falls back to the embedded default: PGlite, the in-process bus, local disk and
// clamd only if it answers. Identity never falls back: an OIDC issuer, or the development issuer
// opted into explicitly (AIRLOCK_DEV_IDENTITY=true), on embedded defaults and loopback only.

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const port = z.coerce.number().int().min(0).max(65535);

const EnvSchema = z.object({
  AIRLOCK_DATABASE_URL: z.string().url().optional(),
  AIRLOCK_DATA_DIR: z.string().default('.airlock'),
  AIRLOCK_KAFKA_BROKERS: z.string().optional(),
  /** Partitions of a topic this airlock creates (an existing topic keeps its own count). */
  AIRLOCK_KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(3),
  /** Partitions one consumer instance works on at once (messages of one partition stay in order). */
  AIRLOCK_KAFKA_CONCURRENT_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(3),
  AIRLOCK_KAFKA_CONCURRENT_KEYS: z.coerce.number().int().min(1).max(256).default(8),
  AIRLOCK_S3_ENDPOINT: z.string().url().optional(),
  AIRLOCK_S3_ACCESS_KEY: z.string().optional(),
  AIRLOCK_S3_SECRET_KEY: z.string().optional(),
  AIRLOCK_S3_REGION: z.string().default('us-east-1'),
  AIRLOCK_S3_FORCE_PATH_STYLE: bool.default('true'),
  AIRLOCK_S3_BUCKET_PREFIX: z.string().default('airlock-'),
  AIRLOCK_CLAMD_HOST: z.string().optional(),
  AIRLOCK_CLAMD_PORT: port.default(3310),
  // Must match clamd's StreamMaxLength: longer streams are "not scanned", never clean.
  AIRLOCK_CLAMD_STREAM_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(2100 * 1024 ** 2),
  // Must exceed clamd's MaxScanTime (120 s by default): a zip bomb keeps clamd busy that long before it
  // answers Heuristics.Limits.Exceeded.MaxScanTime (not scanned); giving up sooner would retry the same
  // file forever and stall its partition.
  AIRLOCK_CLAMD_TIMEOUT_MS: z.coerce.number().int().positive().default(180_000),
  AIRLOCK_OIDC_ISSUER: z.string().optional(),
  AIRLOCK_OIDC_AUDIENCE: z.string().default('airlock'),
  AIRLOCK_OIDC_JWKS_URL: z.string().url().optional(),
  // Anyone who reaches ingress can mint any role with it, administrator included.
  AIRLOCK_DEV_IDENTITY: bool.default('false'),
  // The pages' sign-in (authorization code + PKCE): the client registered with the OIDC provider, and
  // its discovery document when the issuer's own URL does not serve it.
  AIRLOCK_OIDC_CLIENT_ID: z
    .string()
    .regex(/^[\w.-]{1,64}$/)
    .default('airlock-web'),
  AIRLOCK_OIDC_CLIENT_SECRET: z.string().optional(),
  AIRLOCK_OIDC_DISCOVERY_URL: z.string().url().optional(),
  // Seals the pages' session cookies (at least 32 characters); unset, each process generates its own.
  AIRLOCK_WEB_SESSION_SECRET: z.string().min(32).optional(),
  // Secure cookies; by default, when the service's public URL is https.
  AIRLOCK_WEB_SECURE_COOKIES: bool.optional(),
  AIRLOCK_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * 1024 ** 3),
  AIRLOCK_DOWNLOAD_LINK_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  // Outbox relay: a row the broker refuses this many times, or for this long, is parked (invariant 9).
  AIRLOCK_OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(10),
  AIRLOCK_OUTBOX_MAX_FAILING_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(10 * 60_000),
  // The base URL users reach ingress at: download links are built on it. Needed whenever the
  // listen address is not one a user could type (0.0.0.0, ::), as in any container.
  AIRLOCK_PUBLIC_INGRESS_URL: z.string().url().optional(),
  // The base URL users reach egress-review's pages at (sign-in returns there); derived like ingress's.
  AIRLOCK_PUBLIC_EGRESS_REVIEW_URL: z.string().url().optional(),
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
  // Released-bucket reconciler (egress-review): how often it runs, and how old an unbacked object must be.
  AIRLOCK_RECONCILE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(5 * 60_000),
  AIRLOCK_RECONCILE_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(15 * 60_000),
  // Draft sweeper (ingress): drafts whose file is frozen go at once; drafts no file names, after the grace.
  AIRLOCK_DRAFT_SWEEP_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(10 * 60_000),
  // An object appears when its upload completes and its event follows at once: an hour is ample.
  AIRLOCK_DRAFT_GRACE_MS: z.coerce.number().int().min(0).default(3_600_000),
  // Resumable uploads (ingress): each part is held in memory while its SHA-256 is checked, so the
  // part size is bounded (S3 needs at least 5 MiB for every part but the last).
  AIRLOCK_UPLOAD_PART_BYTES: z.coerce
    .number()
    .int()
    .min(5 * 1024 ** 2)
    .max(64 * 1024 ** 2)
    .default(8 * 1024 ** 2),
  // A resumable upload not completed within this age is abandoned: the draft sweeper aborts it.
  AIRLOCK_UPLOAD_EXPIRY_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .default(24 * 3_600_000),
  // Storage fault injection for crash suites (FaultInjectingObjectStore): tests only, never production.
  AIRLOCK_FAULT_INJECTION: bool.default('false'),
  AIRLOCK_FAULT_CRASH_AFTER_STEP: z.coerce.number().int().min(0).optional(),
  AIRLOCK_FAULT_OP: z.enum(['put', 'copy', 'delete']).optional(),
  AIRLOCK_ALLOW_FAULT_INJECTION: bool.default('false'),
  NODE_ENV: z.string().optional(),
});

export type AirlockConfig = {
  database: { url?: string };
  dataDir: string;
  kafka: { brokers?: string[]; topicPartitions: number; concurrentPartitions: number; concurrentKeys: number };
  s3?: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string; forcePathStyle: boolean; bucketPrefix: string };
  clamd?: { host: string; port: number; streamMaxLength: number; timeoutMs: number };
  /** Where the embedded default looks for a local clamd when AIRLOCK_CLAMD_HOST is not set. */
  clamdProbe: { host: string; port: number; streamMaxLength: number; timeoutMs: number };
  /** Exactly one of `oidc` and `devIdentity` is set: loadConfig refuses anything else. */
  oidc?: { issuer: string; audience: string; jwksUrl: string };
  /** The development issuer (POST /dev/token on ingress): embedded defaults on loopback only. */
  devIdentity: boolean;
  oidcAudience: string;
  limits: { maxUploadBytes: number; downloadLinkSeconds: number };
  outbox: { maxAttempts: number; maxFailingMs: number };
  policy: { requiredApprovals: number; minCellCount: number };
  logLevel: z.infer<typeof EnvSchema>['AIRLOCK_LOG_LEVEL'];
  /** Empty `urls`: no webhooks. Each delivery is tried `maxAttempts` times with capped exponential back-off. */
  webhooks: { urls: string[]; secret?: string; maxAttempts: number; timeoutMs: number; backoff: { initialMs: number; maxMs: number } };
  reconcile: { intervalMs: number; graceMs: number };
  drafts: { sweepIntervalMs: number; graceMs: number };
  /** Resumable uploads: the part size a client must send, and the age past which an unfinished one is aborted. */
  resumable: { partBytes: number; expiryMs: number };
  /** Set only in test runs (see loadConfig): kill the process after the N-th mutating storage step. */
  faultInjection?: { crashAfterStep: number; op?: 'put' | 'copy' | 'delete' };
  http: {
    host: string;
    ports: { ingress: number; egressReview: number; audit: number; disclosureCheck: number };
    /** egressReview: absent when it listens on every address and AIRLOCK_PUBLIC_EGRESS_REVIEW_URL is unset (its pages are then off). */
    publicUrls: { ingress: string; egressReview?: string };
  };
  /** The pages (libs/platform/web): OIDC client and session cookie settings. */
  web: { clientId: string; clientSecret?: string; discoveryUrl?: string; sessionSecret?: Buffer; secureCookies?: boolean };
};

export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
}

/** The settings that point a service at a real server; any of them rules out the development issuer. */
export const REAL_SERVER_SETTINGS = ['AIRLOCK_DATABASE_URL', 'AIRLOCK_KAFKA_BROKERS', 'AIRLOCK_S3_ENDPOINT', 'AIRLOCK_CLAMD_HOST'] as const;

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** 127.0.0.0/8, ::1 (also as [::1] or IPv4-mapped) and `localhost`: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost') return true;
  const family = isIP(bare);
  return family !== 0 && LOOPBACK.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

const UNSPECIFIED_ADDRESSES = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0', '::ffff:0.0.0.0']);

/** 0.0.0.0 and :: mean "every address" to a listener and nothing to a browser. */
export function isUnspecifiedHost(host: string): boolean {
  return UNSPECIFIED_ADDRESSES.has(
    host
      .trim()
      .toLowerCase()
      .replace(/^\[(.*)\]$/, '$1'),
  );
}

/**
 * The base of every download link: AIRLOCK_PUBLIC_INGRESS_URL, or, where ingress listens on one
 * address, that address. A link to 0.0.0.0 would reach nobody's ingress: refused at boot instead.
 */
function ingressPublicUrl(e: z.infer<typeof EnvSchema>): string {
  const configured = e.AIRLOCK_PUBLIC_INGRESS_URL;
  if (configured) {
    const url = new URL(configured);
    if (!['http:', 'https:'].includes(url.protocol))
      throw new ConfigError(`Invalid configuration: AIRLOCK_PUBLIC_INGRESS_URL must be an http(s) URL, not ${JSON.stringify(configured)}`);
    if (isUnspecifiedHost(url.hostname)) {
      throw new ConfigError(`Invalid configuration: AIRLOCK_PUBLIC_INGRESS_URL=${configured} names no reachable host: set the address users reach ingress at`);
    }
    if (url.search || url.hash) throw new ConfigError(`Invalid configuration: AIRLOCK_PUBLIC_INGRESS_URL must be a base URL, without query or fragment`);
    return configured.replace(/\/+$/, '');
  }
  if (isUnspecifiedHost(e.AIRLOCK_HOST)) {
    throw new ConfigError(
      `Invalid configuration: AIRLOCK_HOST=${e.AIRLOCK_HOST} needs AIRLOCK_PUBLIC_INGRESS_URL (the address users reach ingress at, e.g. https://airlock.example.org): download links are built on it`,
    );
  }
  const host = isIP(e.AIRLOCK_HOST) === 6 ? `[${e.AIRLOCK_HOST}]` : e.AIRLOCK_HOST;
  return `http://${host}:${e.AIRLOCK_INGRESS_PORT}`;
}

/** egress-review's pages' base URL: AIRLOCK_PUBLIC_EGRESS_REVIEW_URL, or its listen address when that is one a browser can reach. */
function egressReviewPublicUrl(e: z.infer<typeof EnvSchema>): string | undefined {
  const configured = e.AIRLOCK_PUBLIC_EGRESS_REVIEW_URL;
  if (configured) {
    const url = new URL(configured);
    if (!['http:', 'https:'].includes(url.protocol) || isUnspecifiedHost(url.hostname) || url.search || url.hash) {
      throw new ConfigError(
        `Invalid configuration: AIRLOCK_PUBLIC_EGRESS_REVIEW_URL must be an http(s) base URL naming a reachable host, not ${JSON.stringify(configured)}`,
      );
    }
    return configured.replace(/\/+$/, '');
  }
  if (isUnspecifiedHost(e.AIRLOCK_HOST)) return undefined;
  const host = isIP(e.AIRLOCK_HOST) === 6 ? `[${e.AIRLOCK_HOST}]` : e.AIRLOCK_HOST;
  return `http://${host}:${e.AIRLOCK_EGRESS_REVIEW_PORT}`;
}

/** Where the pages read the provider's endpoints: the development issuer's document on ingress, or the OIDC issuer's. */
function discoveryUrl(e: z.infer<typeof EnvSchema>, publicIngressUrl: string): string | undefined {
  if (e.AIRLOCK_OIDC_DISCOVERY_URL) return e.AIRLOCK_OIDC_DISCOVERY_URL;
  if (e.AIRLOCK_DEV_IDENTITY) return `${publicIngressUrl}/dev/.well-known/openid-configuration`;
  if (e.AIRLOCK_OIDC_ISSUER && /^https?:\/\//i.test(e.AIRLOCK_OIDC_ISSUER))
    return `${e.AIRLOCK_OIDC_ISSUER.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  return undefined;
}

const isSet = (env: Record<string, string | undefined>, name: string) => (env[name] ?? '') !== '';

/**
 * `npm start` with nothing configured opts into the development issuer; with an OIDC issuer or any
 * real server configured it does not, so loadConfig then names what is missing instead.
 */
export function withDevIdentityOnEmbeddedDefaults(env: Record<string, string | undefined>): Record<string, string | undefined> {
  if (isSet(env, 'AIRLOCK_DEV_IDENTITY') || isSet(env, 'AIRLOCK_OIDC_ISSUER')) return env;
  if (REAL_SERVER_SETTINGS.some((name) => isSet(env, name))) return env;
  return { ...env, AIRLOCK_DEV_IDENTITY: 'true' };
}

const NO_IDENTITY =
  'no identity provider: set AIRLOCK_OIDC_ISSUER and AIRLOCK_OIDC_JWKS_URL (and AIRLOCK_OIDC_AUDIENCE) to your OIDC provider, e.g. Keycloak; ' +
  'or, for development on embedded defaults on this machine only, AIRLOCK_DEV_IDENTITY=true (npm start sets it)';

/** Fail closed: the development issuer lets anyone who reaches ingress become administrator. */
function checkIdentity(e: z.infer<typeof EnvSchema>): void {
  if (!e.AIRLOCK_DEV_IDENTITY) {
    if (!e.AIRLOCK_OIDC_ISSUER) throw new ConfigError(`Invalid configuration: ${NO_IDENTITY}`);
    return;
  }
  const refused = 'Invalid configuration: AIRLOCK_DEV_IDENTITY=true (the development issuer: anyone who reaches ingress can become administrator)';
  if (e.AIRLOCK_OIDC_ISSUER)
    throw new ConfigError(`${refused} is refused together with AIRLOCK_OIDC_ISSUER: unset AIRLOCK_DEV_IDENTITY to use the OIDC provider`);
  const real = REAL_SERVER_SETTINGS.filter((name) => e[name] !== undefined);
  if (real.length > 0) {
    throw new ConfigError(`${refused} is refused with real servers configured (${real.join(', ')}): set AIRLOCK_OIDC_ISSUER and AIRLOCK_OIDC_JWKS_URL instead`);
  }
  if (!isLoopbackHost(e.AIRLOCK_HOST)) {
    throw new ConfigError(`${refused} is refused with AIRLOCK_HOST=${e.AIRLOCK_HOST}: it may only listen on loopback (127.0.0.0/8, ::1, localhost)`);
  }
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
  // A store that kills its process on purpose must never run where real data flows.
  if (e.AIRLOCK_FAULT_INJECTION && e.NODE_ENV !== 'test' && !e.AIRLOCK_ALLOW_FAULT_INJECTION) {
    throw new ConfigError('Invalid configuration: AIRLOCK_FAULT_INJECTION is for test runs only (needs NODE_ENV=test or AIRLOCK_ALLOW_FAULT_INJECTION=true)');
  }
  if (e.AIRLOCK_FAULT_INJECTION && e.AIRLOCK_FAULT_CRASH_AFTER_STEP === undefined) {
    throw new ConfigError('Invalid configuration: AIRLOCK_FAULT_INJECTION needs AIRLOCK_FAULT_CRASH_AFTER_STEP');
  }
  // A JWKS URL alone would be ignored: say so rather than boot on something else.
  if (e.AIRLOCK_OIDC_JWKS_URL && !e.AIRLOCK_OIDC_ISSUER) {
    throw new ConfigError('Invalid configuration: AIRLOCK_OIDC_JWKS_URL needs AIRLOCK_OIDC_ISSUER');
  }
  checkIdentity(e);
  const publicIngressUrl = ingressPublicUrl(e);
  const webhookUrls = (e.AIRLOCK_WEBHOOK_URLS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const notHttp = webhookUrls.find((u) => !URL.canParse(u) || !['http:', 'https:'].includes(new URL(u).protocol));
  if (notHttp) throw new ConfigError(`Invalid configuration: AIRLOCK_WEBHOOK_URLS: ${JSON.stringify(notHttp)} is not an http(s) URL`);
  // Unsigned notifications could be forged by anyone who can reach the receiver.
  if (webhookUrls.length > 0 && !e.AIRLOCK_WEBHOOK_SECRET) throw new ConfigError('Invalid configuration: AIRLOCK_WEBHOOK_URLS needs AIRLOCK_WEBHOOK_SECRET');
  return {
    database: { url: e.AIRLOCK_DATABASE_URL },
    dataDir: e.AIRLOCK_DATA_DIR,
    kafka: {
      brokers: e.AIRLOCK_KAFKA_BROKERS?.split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      topicPartitions: e.AIRLOCK_KAFKA_TOPIC_PARTITIONS,
      concurrentPartitions: e.AIRLOCK_KAFKA_CONCURRENT_PARTITIONS,
      concurrentKeys: e.AIRLOCK_KAFKA_CONCURRENT_KEYS,
    },
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
    oidc: e.AIRLOCK_OIDC_ISSUER ? { issuer: e.AIRLOCK_OIDC_ISSUER, audience: e.AIRLOCK_OIDC_AUDIENCE, jwksUrl: e.AIRLOCK_OIDC_JWKS_URL as string } : undefined,
    oidcAudience: e.AIRLOCK_OIDC_AUDIENCE,
    devIdentity: e.AIRLOCK_DEV_IDENTITY,
    limits: { maxUploadBytes: e.AIRLOCK_MAX_UPLOAD_BYTES, downloadLinkSeconds: e.AIRLOCK_DOWNLOAD_LINK_SECONDS },
    outbox: { maxAttempts: e.AIRLOCK_OUTBOX_MAX_ATTEMPTS, maxFailingMs: e.AIRLOCK_OUTBOX_MAX_FAILING_MS },
    policy: { requiredApprovals: e.AIRLOCK_REQUIRED_APPROVALS, minCellCount: e.AIRLOCK_MIN_CELL_COUNT },
    logLevel: e.AIRLOCK_LOG_LEVEL,
    webhooks: {
      urls: webhookUrls,
      secret: e.AIRLOCK_WEBHOOK_SECRET,
      maxAttempts: e.AIRLOCK_WEBHOOK_MAX_ATTEMPTS,
      timeoutMs: e.AIRLOCK_WEBHOOK_TIMEOUT_MS,
      backoff: { initialMs: e.AIRLOCK_WEBHOOK_BACKOFF_MS, maxMs: Math.max(e.AIRLOCK_WEBHOOK_BACKOFF_MS, e.AIRLOCK_WEBHOOK_MAX_BACKOFF_MS) },
    },
    reconcile: { intervalMs: e.AIRLOCK_RECONCILE_INTERVAL_MS, graceMs: e.AIRLOCK_RECONCILE_GRACE_MS },
    drafts: { sweepIntervalMs: e.AIRLOCK_DRAFT_SWEEP_INTERVAL_MS, graceMs: e.AIRLOCK_DRAFT_GRACE_MS },
    resumable: { partBytes: e.AIRLOCK_UPLOAD_PART_BYTES, expiryMs: e.AIRLOCK_UPLOAD_EXPIRY_MS },
    ...(e.AIRLOCK_FAULT_INJECTION && e.AIRLOCK_FAULT_CRASH_AFTER_STEP !== undefined
      ? { faultInjection: { crashAfterStep: e.AIRLOCK_FAULT_CRASH_AFTER_STEP, ...(e.AIRLOCK_FAULT_OP ? { op: e.AIRLOCK_FAULT_OP } : {}) } }
      : {}),
    http: {
      host: e.AIRLOCK_HOST,
      ports: {
        ingress: e.AIRLOCK_INGRESS_PORT,
        egressReview: e.AIRLOCK_EGRESS_REVIEW_PORT,
        audit: e.AIRLOCK_AUDIT_PORT,
        disclosureCheck: e.AIRLOCK_DISCLOSURE_CHECK_PORT,
      },
      publicUrls: { ingress: publicIngressUrl, ...(egressReviewPublicUrl(e) ? { egressReview: egressReviewPublicUrl(e) } : {}) },
    },
    web: {
      clientId: e.AIRLOCK_OIDC_CLIENT_ID,
      ...(e.AIRLOCK_OIDC_CLIENT_SECRET ? { clientSecret: e.AIRLOCK_OIDC_CLIENT_SECRET } : {}),
      ...(discoveryUrl(e, publicIngressUrl) ? { discoveryUrl: discoveryUrl(e, publicIngressUrl) } : {}),
      ...(e.AIRLOCK_WEB_SESSION_SECRET ? { sessionSecret: Buffer.from(e.AIRLOCK_WEB_SESSION_SECRET, 'utf8') } : {}),
      ...(e.AIRLOCK_WEB_SECURE_COOKIES !== undefined ? { secureCookies: e.AIRLOCK_WEB_SECURE_COOKIES } : {}),
    },
  };
}
