import net from 'node:net';
import path from 'node:path';
import { AccessLog } from '@airlock/access-log';
import { DevIdentityProvider, JwtTokenVerifier, type TokenVerifier } from '@airlock/auth';
import { ConfigError, type AirlockConfig } from '@airlock/config';
import { createDb, runMigrations, startEmbeddedPostgres, type Db, type DbEntity } from '@airlock/database';
import { OutboxRelay, PostgresEventStore, eventStoreMigrations, type EventStore } from '@airlock/event-store';
import { InProcessMessageBus, KafkaMessageBus, idempotentConsumerMigrations, type MessageBus } from '@airlock/messaging';
import { ClamdScanner, UnavailableScanner, type MalwareScanner } from '@airlock/scanning';
import { crashPlan, FaultInjectingObjectStore, LocalDiskObjectStore, S3ObjectStore, type ObjectStore, type Stage } from '@airlock/storage';
import type { Logger } from 'pino';

// The parts every service runs on. With the real servers configured they are PostgreSQL, Kafka,
// S3 and clamd; with nothing configured, the embedded defaults behind the same ports.
export type Infra = {
  mode: 'real' | 'embedded';
  db: Db;
  eventStore: EventStore;
  bus: MessageBus;
  store: ObjectStore;
  scanner: MalwareScanner;
  tokens: TokenVerifier;
  devIdentity?: DevIdentityProvider;
  /** Access events (views, refusals, admin acts) for the audit log, through the outbox. */
  accessLog: AccessLog;
  /** Its parked-row metrics belong on each service's /metrics: `infra.relay.registerMetrics(metrics.registry)`. */
  relay: OutboxRelay;
  close(): Promise<void>;
};

export const DEV_ISSUER = 'airlock-dev';
const STAGES: Stage[] = ['draft', 'quarantine', 'released', 'rejected', 'blocked', 'imported'];

export async function clamdAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('zPING\0'));
    socket.on('data', (chunk) => done(chunk.toString().startsWith('PONG')));
  });
}

function objectStore(config: AirlockConfig, logger: Logger): ObjectStore {
  const store = baseObjectStore(config);
  if (!config.faultInjection) return store;
  // Crash suites only (the config refuses it outside test runs): SIGKILL after the chosen storage step.
  const { crashAfterStep, op } = config.faultInjection;
  logger.warn({ crashAfterStep, op }, 'STORAGE FAULT INJECTION ON: this process kills itself after a storage step (test runs only)');
  return new FaultInjectingObjectStore(store, crashPlan(config.faultInjection));
}

function baseObjectStore(config: AirlockConfig): ObjectStore {
  if (!config.s3) return new LocalDiskObjectStore(path.resolve(config.dataDir, 'objects'));
  const { bucketPrefix, ...s3 } = config.s3;
  const buckets = Object.fromEntries(STAGES.map((stage) => [stage, `${bucketPrefix}${stage}`])) as Record<Stage, string>;
  return new S3ObjectStore({ ...s3, buckets });
}

/** The malware scanner the configuration gives (`npm start` builds it once for all four services). */
export async function malwareScanner(config: AirlockConfig, logger: Logger): Promise<MalwareScanner> {
  if (config.clamd) return new ClamdScanner(config.clamd);
  // Embedded default: use a local clamd if one answers; otherwise files are "not scanned" and can never be released.
  if (await clamdAnswers(config.clamdProbe.host, config.clamdProbe.port)) return new ClamdScanner(config.clamdProbe);
  logger.warn('no clamd reachable: files will be marked not scanned and cannot be released');
  return new UnavailableScanner();
}

/** A warn-level line on every start: the development issuer hands out any role to anyone who asks. */
export function announceDevIdentity(config: AirlockConfig, logger: Logger): void {
  const port = config.http.ports.ingress;
  logger.warn(
    { devIdentity: true, port, tokenUrl: `http://${config.http.host}:${port}/dev/token` },
    `AIRLOCK_DEV_IDENTITY=true: the development issuer is on; anyone who can reach port ${port} can become administrator (POST /dev/token). Development on this machine only.`,
  );
}

/** The development issuer (ingress serves it at /dev/token); every token it issues is logged. */
export function startDevIdentity(config: AirlockConfig, logger: Logger): Promise<DevIdentityProvider> {
  return DevIdentityProvider.start({
    issuer: DEV_ISSUER,
    audience: config.oidcAudience,
    onIssued: (token) => logger.warn({ devIdentity: true, ...token }, 'development issuer issued a token'),
  });
}

// Verifies against the OIDC provider; with the development issuer, against the JWKS ingress serves.
function tokenVerifier(config: AirlockConfig): TokenVerifier {
  if (config.oidc) return new JwtTokenVerifier(config.oidc);
  // loadConfig refuses this first; kept so that no path ever falls back to the development issuer.
  if (!config.devIdentity) throw new ConfigError('Invalid configuration: no identity provider (AIRLOCK_OIDC_ISSUER or AIRLOCK_DEV_IDENTITY=true)');
  const devJwksUrl = `http://${config.http.host}:${config.http.ports.ingress}/dev/jwks`;
  return new JwtTokenVerifier({ issuer: DEV_ISSUER, audience: config.oidcAudience, jwksUrl: devJwksUrl });
}

export type InfraOptions = {
  service: string;
  logger: Logger;
  shared?: Partial<Pick<Infra, 'bus' | 'db' | 'devIdentity' | 'scanner'>>;
  /** Read-model entities the service's data source maps (its tables come from the service's migrations). */
  entities?: readonly DbEntity[];
};

/** Builds the infrastructure for one service process from validated configuration. */
export async function buildInfra(config: AirlockConfig, { service, logger, shared = {}, entities = [] }: InfraOptions): Promise<Infra> {
  const closers: (() => Promise<void>)[] = [];
  let db = shared.db;
  if (!db) {
    let url = config.database.url;
    if (!url) {
      const embedded = await startEmbeddedPostgres({ dataDir: path.resolve(config.dataDir, 'pgdata') });
      closers.push(() => embedded.stop());
      url = embedded.url;
    }
    // The service's one TypeORM data source (docs/adr/0007-typeorm-data-sources-and-migrations.md).
    const created = createDb({ url, max: config.database.url ? 10 : 1, applicationName: `airlock-${service}`, entities, logger });
    closers.push(() => created.close());
    db = created;
  }
  // Every instance runs the pending migrations at start; an advisory lock lets one at a time do so.
  const applied = await runMigrations(db, [...eventStoreMigrations, ...idempotentConsumerMigrations]);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrations applied');
  const bus =
    shared.bus ??
    (config.kafka.brokers
      ? new KafkaMessageBus({
          brokers: config.kafka.brokers,
          clientId: `airlock-${service}`,
          topicPartitions: config.kafka.topicPartitions,
          consumer: { concurrentPartitions: config.kafka.concurrentPartitions, concurrentKeys: config.kafka.concurrentKeys },
        })
      : new InProcessMessageBus());
  if (!shared.bus) closers.push(() => bus.close());
  const store = objectStore(config, logger);
  await store.ensureBuckets();
  const devIdentity = config.devIdentity ? (shared.devIdentity ?? (await startDevIdentity(config, logger))) : undefined;
  // Whoever starts the development issuer announces it (npm start does so once for all four).
  if (devIdentity && !shared.devIdentity) announceDevIdentity(config, logger);
  const tokens = tokenVerifier(config);
  const relay = new OutboxRelay(db, bus, { batchSize: 200, pollIntervalMs: 100, ...config.outbox, logger });
  // An append by this process reaches the broker at once instead of at the relay's next poll.
  const eventStore = new PostgresEventStore(db, { onCommitted: () => relay.nudge() });
  relay.start();
  closers.unshift(() => relay.stop());
  return {
    mode: config.database.url || config.kafka.brokers || config.s3 ? 'real' : 'embedded',
    db,
    eventStore,
    bus,
    store,
    scanner: shared.scanner ?? (await malwareScanner(config, logger)),
    tokens,
    devIdentity,
    relay,
    accessLog: new AccessLog(db, { source: `/airlock/${service}` }),
    async close() {
      for (const close of closers) await close().catch((err) => logger.warn({ err }, 'close failed'));
    },
  };
}
