import { Module, type DynamicModule } from '@nestjs/common';
import type { TokenVerifier } from '@airlock/auth';
import type { AirlockConfig } from '@airlock/config';
import { AUDITED_TOPICS } from '@airlock/contracts';
import { runMigrations } from '@airlock/database';
import { AuthGuard, METRICS, ObservabilityController, READINESS_CHECKS, TOKEN_VERIFIER, createMetrics, startHttpService, type ReadinessCheck, type ServiceMetrics } from '@airlock/http';
import type { Infra } from '@airlock/runtime';
import type { Logger } from 'pino';
import { AUDIT_LOG, AuditController } from './audit.controller';
import { AuditLogRepository, auditLogMigrations } from './audit-log.repository';
import { AuditWorker } from './audit.worker';

@Module({})
class AuditModule {
  static forRoot(log: AuditLogRepository, tokens: TokenVerifier, metrics: ServiceMetrics, readiness: ReadinessCheck[]): DynamicModule {
    return {
      module: AuditModule,
      controllers: [AuditController, ObservabilityController],
      providers: [
        { provide: AUDIT_LOG, useValue: log },
        { provide: TOKEN_VERIFIER, useValue: tokens },
        { provide: METRICS, useValue: metrics },
        { provide: READINESS_CHECKS, useValue: readiness },
        AuthGuard,
      ],
    };
  }
}

export async function startAudit(infra: Infra, config: AirlockConfig, logger: Logger) {
  await runMigrations(infra.db, auditLogMigrations);
  const log = new AuditLogRepository(infra.db);
  const worker = new AuditWorker(log, infra.bus, logger);
  const subscription = await infra.bus.subscribe({ groupId: 'airlock.audit', topics: [...AUDITED_TOPICS], fromBeginning: true, handler: (m) => worker.onMessage(m) });
  const metrics = createMetrics('audit');
  const http = await startHttpService({
    module: AuditModule.forRoot(log, infra.tokens, metrics, [{ name: 'database', check: async () => (await infra.db.query('select 1')).rowCount === 1 }]),
    host: config.http.host, port: config.http.ports.audit, logger, metrics,
  });
  return { url: http.url, async close() { await subscription.stop(); await http.close(); } };
}
