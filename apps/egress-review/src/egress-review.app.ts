import { Module, type DynamicModule } from '@nestjs/common';
import type { TokenVerifier } from '@airlock/auth';
import type { AirlockConfig } from '@airlock/config';
import { runMigrations } from '@airlock/database';
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
import { IdempotentConsumer, MessageBusTransport, registerBusMetrics } from '@airlock/messaging';
import { RegistryHandler, RequestCommandHandler } from '@airlock/application';
import type { Infra } from '@airlock/runtime';
import { ADMIN_DEPS, AdminController, type AdminDeps } from './admin.controller';
import { FILE_VIEW_DEPS, FileViewController, type FileViewDeps } from './file-view.controller';
import { Gauge } from 'prom-client';
import { AccessLog } from '@airlock/access-log';
import { OrphanRemover } from './orphan-remover';
import { RejectionWorker } from './rejection.worker';
import { ReleasedReconciler } from './released-reconciler';
import { RevocationWorker } from './revocation.worker';
import type { Logger } from 'pino';
import { registerEgressReviewMetrics } from './egress-review.metrics';
import { ReleaseWorker } from './release.worker';
import { ReleaseRecordController } from './release-record.controller';
import { ReleaseRecordWriter } from './release-record.writer';
import { webhookNotifications } from './notifications/webhook-notifications';
import { EgressReviewEventsModule, EgressReviewGroups } from './egress-review.events';
import { ReviewReadModel, reviewReadModelMigrations } from './review-read-model';
import { REVIEW_DEPS, ReviewsController, type ReviewDeps } from './reviews.controller';
import path from 'node:path';
import { Web, webOptionsFor, webProviders } from '@airlock/web';
import { CHECKER_PAGE_DEPS, CheckerPagesController } from './workbench/checker-pages.controller';

export const EGRESS_REVIEW_SOURCE = '/airlock/egress-review';

@Module({})
export class EgressReviewModule {
  static forRoot(
    deps: ReviewDeps,
    admin: AdminDeps,
    files: FileViewDeps,
    tokens: TokenVerifier,
    metrics: ServiceMetrics,
    readiness: ReadinessCheck[],
    web?: Web,
  ): DynamicModule {
    // The checkers' pages (workbench/), when the service has a public URL and an OIDC provider to sign in with.
    const pages = web ? webProviders(web) : { providers: [], controllers: [] };
    return {
      module: EgressReviewModule,
      controllers: [
        ReviewsController,
        ReleaseRecordController,
        FileViewController,
        AdminController,
        ObservabilityController,
        ...(web ? [...pages.controllers, CheckerPagesController] : []),
      ],
      providers: [
        ...pages.providers,
        ...(web ? [{ provide: CHECKER_PAGE_DEPS, useValue: { store: files.store, accessLog: files.accessLog } }] : []),
        { provide: REVIEW_DEPS, useValue: deps },
        { provide: FILE_VIEW_DEPS, useValue: files },
        { provide: ADMIN_DEPS, useValue: admin },
        { provide: TOKEN_VERIFIER, useValue: tokens },
        { provide: METRICS, useValue: metrics },
        { provide: READINESS_CHECKS, useValue: readiness },
        AuthGuard,
      ],
    };
  }
}

export async function startEgressReview(infra: Infra, config: AirlockConfig, logger: Logger) {
  await runMigrations(infra.db, reviewReadModelMigrations);
  const requests = new RequestCommandHandler(infra.eventStore, EGRESS_REVIEW_SOURCE);
  const registry = new RegistryHandler(infra.eventStore, EGRESS_REVIEW_SOURCE);
  const rejection = new RejectionWorker(requests, infra.store, new IdempotentConsumer(infra.db, EgressReviewGroups.rejection), logger);
  const orphans = new OrphanRemover(infra.store, (newId) => new AccessLog(infra.db, { source: EGRESS_REVIEW_SOURCE, newId }), logger);
  const revocation = new RevocationWorker(requests, infra.store, new IdempotentConsumer(infra.db, EgressReviewGroups.revocation), logger, orphans);
  const readModel = new ReviewReadModel(infra.db, requests);
  const release = new ReleaseWorker(requests, infra.store, new IdempotentConsumer(infra.db, EgressReviewGroups.release), logger, orphans);
  const releaseRecords = new ReleaseRecordWriter(requests, infra.store, new IdempotentConsumer(infra.db, EgressReviewGroups.releaseRecord), logger);
  const consumerModules = [EgressReviewEventsModule.forRoot({ readModel, release, rejection, revocation, releaseRecords })];
  const webhooks = webhookNotifications(infra, config, requests, logger);
  if (webhooks) consumerModules.push(webhooks);
  const metrics = createMetrics('egress-review');
  const missing = new Gauge({
    name: 'airlock_released_files_missing',
    help: 'Files the event log says are released that the released bucket lacks',
    registers: [metrics.registry],
  });
  // On start and on a schedule: the released bucket holds exactly what the log says is released.
  const reconciler = new ReleasedReconciler({
    db: infra.db,
    store: infra.store,
    orphans,
    logger,
    graceMs: config.reconcile.graceMs,
    onMissing: (count) => missing.set(count),
  });
  reconciler.start(config.reconcile.intervalMs);
  infra.relay.registerMetrics(metrics.registry);
  registerBusMetrics(infra.bus, metrics.registry);
  registerEgressReviewMetrics(metrics.registry, infra.db);
  const deps: ReviewDeps = { requests, registry, readModel, clock: () => new Date() };
  // The table viewer's script and styles are shared with the researcher's pages (libs/platform/web/src/assets).
  const webOptions = webOptionsFor(config, 'egress-review', logger, { viewDirs: [path.join(__dirname, 'views')] });
  const web = webOptions ? new Web(webOptions, logger) : undefined;
  // One Nest application: the consumer groups (a microservice on the bus) join before HTTP listens.
  const consumers = new MessageBusTransport(infra.bus);
  const http = await startHttpService({
    module: {
      ...EgressReviewModule.forRoot(
        deps,
        { registry, requests, defaultApprovals: config.policy.requiredApprovals },
        { registry, requests, store: infra.store, accessLog: infra.accessLog },
        infra.tokens,
        metrics,
        [
          { name: 'database', check: async () => (await infra.db.query('select 1')).rowCount === 1 },
          { name: 'object-store', check: () => infra.store.ping() },
        ],
        web,
      ),
      imports: consumerModules,
    },
    host: config.http.host,
    port: config.http.ports.egressReview,
    logger,
    metrics,
    accessLog: infra.accessLog,
    microservices: [consumers],
    configure: (app) => web?.install(app),
  });
  return {
    url: http.url,
    async close() {
      await reconciler.stop();
      await consumers.close();
      await http.close();
    },
  };
}
