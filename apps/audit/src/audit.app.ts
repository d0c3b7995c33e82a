import { Module, type DynamicModule } from '@nestjs/common';
import type { TokenVerifier } from '@airlock/auth';
import type { AirlockConfig } from '@airlock/config';
import { runMigrations, type Db } from '@airlock/database';
import { eventStoreMigrations } from '@airlock/event-store';
import {
  AuthGuard,
  METRICS,
  ObservabilityController,
  READINESS_CHECKS,
  TOKEN_VERIFIER,
  createMetrics,
  startHttpService,
  type ReadinessCheck,
  type ServiceMetrics,
} from '@airlock/http';
import { MessageBusTransport, registerBusMetrics } from '@airlock/messaging';
import { RequestCommandHandler } from '@airlock/application';
import type { Infra } from '@airlock/runtime';
import type { Logger } from 'pino';
import { AUDIT_LOG, AUDITOR_ACCESS, AuditController, AuditPublicKeyController, CHECKPOINTER } from './audit.controller';
import { loadAuditConfig, type AuditConfig } from './audit.config';
import { AuditEventsModule } from './audit.events';
import { AuditLogRepository } from './audit-log.repository';
import { auditLogMigrations } from './audit-log.migrations';
import { AuditWorker } from './audit.worker';
import { AuditorAccess } from './auditor-access';
import { AuditPublisher } from './audit-publisher';
import { assertAppendOnlyWriter, createAuditWriterDb } from './audit-writer-db';
import { Checkpointer } from './checkpointer';
import { RetentionSweeper, retentionEnabled } from './retention/retention-sweeper';
import { loadRetiredKeys, loadSigningKey } from './signing-key';

@Module({})
export class AuditModule {
  static forRoot(deps: {
    log: AuditLogRepository;
    access: AuditorAccess;
    checkpointer: Checkpointer;
    tokens: TokenVerifier;
    metrics: ServiceMetrics;
    readiness: ReadinessCheck[];
  }): DynamicModule {
    return {
      module: AuditModule,
      controllers: [AuditController, AuditPublicKeyController, ObservabilityController],
      providers: [
        { provide: AUDIT_LOG, useValue: deps.log },
        { provide: AUDITOR_ACCESS, useValue: deps.access },
        { provide: CHECKPOINTER, useValue: deps.checkpointer },
        { provide: TOKEN_VERIFIER, useValue: deps.tokens },
        { provide: METRICS, useValue: deps.metrics },
        { provide: READINESS_CHECKS, useValue: deps.readiness },
        AuthGuard,
      ],
    };
  }
}

/**
 * The audit table is written through a connection that acts as the writer role, which may only
 * SELECT and INSERT it. Embedded PGlite serves one connection, so there the shared one switches role
 * per write transaction instead.
 */
function writerDb(infra: Infra, config: AirlockConfig, audit: AuditConfig, logger: Logger): { db: Db; actAs?: string; owned: boolean } {
  const url = audit.databaseUrl ?? config.database.url;
  if (!url) return { db: infra.db, actAs: audit.writerRole, owned: false };
  return { db: createAuditWriterDb({ url, role: audit.writerRole, logger }), owned: true };
}

export async function startAudit(infra: Infra, config: AirlockConfig, logger: Logger) {
  const audit = loadAuditConfig();
  // First, before touching the database: without a key of the operator's, refuse to start.
  const signingKey = loadSigningKey(audit.signingKey, { dataDir: config.dataDir, developmentKey: config.devIdentity }, logger);
  // As the owner: creates the tables, the writer role and its grants (the outbox must exist first).
  await runMigrations(infra.db, [...eventStoreMigrations, ...auditLogMigrations]);
  const writer = writerDb(infra, config, audit, logger);
  if (writer.owned) await assertAppendOnlyWriter(writer.db, audit.writerRole);
  // The embedded PGlite's socket server has no COPY FROM STDIN.
  const log = new AuditLogRepository(writer.db, { auditTopic: audit.auditTopic, actAs: writer.actAs, insertWith: writer.owned ? 'copy' : 'values' });
  const checkpointer = new Checkpointer(log, signingKey, { ...audit.checkpoint, retiredKeys: loadRetiredKeys(audit.retiredKeys), logger });
  const access = new AuditorAccess(infra.accessLog);
  const publisher = new AuditPublisher(log, infra.bus, { topic: audit.auditTopic, logger });
  const worker = new AuditWorker(log, logger, (n) => {
    checkpointer.notifyAppended(n);
    publisher.notify();
  });
  publisher.start();
  checkpointer.start();
  const sweeper = retentionEnabled(audit.retention.days)
    ? new RetentionSweeper({
        db: infra.db,
        store: infra.store,
        requests: new RequestCommandHandler(infra.eventStore, '/airlock/audit'),
        accessLog: infra.accessLog,
        retention: audit.retention.days,
        logger,
      })
    : undefined;
  sweeper?.start(audit.retention.sweepIntervalMs);
  const metrics = createMetrics('audit');
  infra.relay.registerMetrics(metrics.registry);
  registerBusMetrics(infra.bus, metrics.registry);
  const readiness: ReadinessCheck[] = [
    { name: 'database', check: async () => (await infra.db.query('select 1')).rowCount === 1 },
    { name: 'audit-writer', check: async () => (await writer.db.query('select 1')).rowCount === 1 },
  ];
  // One Nest application: the consumer group (a microservice on the bus) joins before HTTP listens.
  const consumers = new MessageBusTransport(infra.bus);
  const http = await startHttpService({
    module: {
      ...AuditModule.forRoot({ log, access, checkpointer, tokens: infra.tokens, metrics, readiness }),
      imports: [AuditEventsModule.forRoot(worker, audit.consumer)],
    },
    host: config.http.host,
    port: config.http.ports.audit,
    logger,
    metrics,
    accessLog: infra.accessLog,
    microservices: [consumers],
  });
  return {
    url: http.url,
    async close() {
      await consumers.close();
      await publisher.stop();
      await sweeper?.stop();
      await checkpointer.stop();
      await http.close();
      if (writer.owned) await writer.db.close();
    },
  };
}
