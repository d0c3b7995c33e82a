import { Module, type DynamicModule } from '@nestjs/common';
import { Topics } from '@airlock/contracts';
import type { AirlockConfig } from '@airlock/config';
import { DEFAULT_POLICY } from '@airlock/disclosure-rules';
import { METRICS, ObservabilityController, READINESS_CHECKS, createMetrics, startHttpService, type ApiDocumentInfo, type ReadinessCheck, type ServiceMetrics } from '@airlock/http';
import { runMigrations } from '@airlock/database';
import { IdempotentConsumer } from '@airlock/messaging';
import { envelopeOf, RequestCommandHandler, type Infra } from '@airlock/runtime';
import type { Logger } from 'pino';
import { DisclosureCheckWorker } from './disclosure-check.worker';
import { releasedTablesMigrations } from './ledger/released-tables.migrations';
import { ReleasedTablesProjector } from './ledger/released-tables.projector';
import { ReleasedTables } from './ledger/released-tables.repository';
import { TurnDifferencing } from './ledger/turn-differencing';

export const DISCLOSURE_CHECK_SOURCE = '/airlock/disclosure-check';
export const DISCLOSURE_CHECK_GROUP = 'airlock.disclosure-check';
/** The ledger of released tables is written by a consumer group of its own (docs/adr/0010-released-tables-ledger.md). */
export const RELEASED_TABLES_GROUP = 'airlock.disclosure-check.released-tables';

/** Its OpenAPI document: no controller of its own carries `@ApiDocument`. */
export const DISCLOSURE_CHECK_API: ApiDocumentInfo = {
  title: 'Airlock disclosure-check API',
  description: 'Disclosure-check is a Kafka consumer group (virus scan, file type, statistical disclosure rules); its HTTP server serves health and metrics only.',
  version: '1',
};

@Module({})
export class DisclosureCheckModule {
  static forRoot(metrics: ServiceMetrics, readiness: ReadinessCheck[]): DynamicModule {
    return {
      module: DisclosureCheckModule,
      controllers: [ObservabilityController],
      providers: [{ provide: METRICS, useValue: metrics }, { provide: READINESS_CHECKS, useValue: readiness }],
    };
  }
}

/** A consumer group member: scales out by starting more processes. Serves health and metrics only. */
export async function startDisclosureCheck(infra: Infra, config: AirlockConfig, logger: Logger) {
  const requests = new RequestCommandHandler(infra.eventStore, DISCLOSURE_CHECK_SOURCE);
  const policy = { ...DEFAULT_POLICY, threshold: config.policy.minCellCount };
  const consumer = new IdempotentConsumer(infra.db, DISCLOSURE_CHECK_GROUP);
  await runMigrations(infra.db, releasedTablesMigrations);
  const ledger = new ReleasedTables(infra.db);
  const differencing = new TurnDifferencing(ledger, infra.store, logger);
  const worker = new DisclosureCheckWorker(requests, infra.store, infra.scanner, policy, consumer, logger, differencing);
  const projector = new ReleasedTablesProjector(ledger, requests, infra.store, policy, logger);
  const subscription = await infra.bus.subscribe({
    groupId: DISCLOSURE_CHECK_GROUP, topics: [Topics.requestEvents], fromBeginning: true, handler: (m) => worker.onMessage(m),
  });
  const ledgerSubscription = await infra.bus.subscribe({
    groupId: RELEASED_TABLES_GROUP, topics: [Topics.requestEvents], fromBeginning: true, handler: (m) => projector.project(envelopeOf(m)),
  });
  const metrics = createMetrics('disclosure-check');
  infra.relay.registerMetrics(metrics.registry);
  const http = await startHttpService({
    module: DisclosureCheckModule.forRoot(metrics, [
      { name: 'database', check: async () => (await infra.db.query('select 1')).rowCount === 1 },
      { name: 'scanner', check: () => infra.scanner.ping() },
    ]),
    host: config.http.host, port: config.http.ports.disclosureCheck, logger, metrics, accessLog: infra.accessLog, document: DISCLOSURE_CHECK_API,
  });
  return { url: http.url, async close() { await subscription.stop(); await ledgerSubscription.stop(); await http.close(); } };
}
