import { Module, type DynamicModule } from '@nestjs/common';
import type { AirlockConfig } from '@airlock/config';
import { DEFAULT_POLICY } from '@airlock/disclosure-rules';
import {
  METRICS,
  ObservabilityController,
  READINESS_CHECKS,
  createMetrics,
  startHttpService,
  type ApiDocumentInfo,
  type ReadinessCheck,
  type ServiceMetrics,
} from '@airlock/http';
import { runMigrations } from '@airlock/database';
import { IdempotentConsumer, MessageBusTransport, registerBusMetrics } from '@airlock/messaging';
import { RequestCommandHandler } from '@airlock/application';
import type { Infra } from '@airlock/runtime';
import type { Logger } from 'pino';
import { registerDisclosureCheckMetrics } from './disclosure-check.metrics';
import { DISCLOSURE_CHECK_GROUP, DisclosureCheckEventsModule } from './disclosure-check.events';
import { DisclosureCheckWorker } from './disclosure-check.worker';
import { releasedTablesMigrations } from './ledger/released-tables.migrations';
import { ReleasedTablesProjector } from './ledger/released-tables.projector';
import { ReleasedTables } from './ledger/released-tables.repository';
import { TurnDifferencing } from './ledger/turn-differencing';

export { DISCLOSURE_CHECK_GROUP, RELEASED_TABLES_GROUP } from './disclosure-check.events';
export const DISCLOSURE_CHECK_SOURCE = '/airlock/disclosure-check';

/** Its OpenAPI document: no controller of its own carries `@ApiDocument`. */
export const DISCLOSURE_CHECK_API: ApiDocumentInfo = {
  title: 'Airlock disclosure-check API',
  description:
    'Disclosure-check is a Kafka consumer group (virus scan, file type, statistical disclosure rules); its HTTP server serves health and metrics only.',
  version: '1',
};

@Module({})
export class DisclosureCheckModule {
  static forRoot(metrics: ServiceMetrics, readiness: ReadinessCheck[]): DynamicModule {
    return {
      module: DisclosureCheckModule,
      controllers: [ObservabilityController],
      providers: [
        { provide: METRICS, useValue: metrics },
        { provide: READINESS_CHECKS, useValue: readiness },
      ],
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
  const metrics = createMetrics('disclosure-check');
  infra.relay.registerMetrics(metrics.registry);
  registerBusMetrics(infra.bus, metrics.registry);
  registerDisclosureCheckMetrics(metrics.registry);
  const readiness: ReadinessCheck[] = [
    { name: 'database', check: async () => (await infra.db.query('select 1')).rowCount === 1 },
    { name: 'scanner', check: () => infra.scanner.ping() },
  ];
  // One Nest application: the consumer group (a microservice on the bus) joins before HTTP listens.
  const consumers = new MessageBusTransport(infra.bus);
  const http = await startHttpService({
    module: { ...DisclosureCheckModule.forRoot(metrics, readiness), imports: [DisclosureCheckEventsModule.forRoot(worker, projector)] },
    host: config.http.host,
    port: config.http.ports.disclosureCheck,
    logger,
    metrics,
    accessLog: infra.accessLog,
    document: DISCLOSURE_CHECK_API,
    microservices: [consumers],
  });
  return {
    url: http.url,
    async close() {
      await consumers.close();
      await http.close();
    },
  };
}
