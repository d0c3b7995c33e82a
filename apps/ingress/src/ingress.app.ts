import type { AirlockConfig } from '@airlock/config';
import { createMetrics, startHttpService, type RunningHttpService } from '@airlock/http';
import { RegistryHandler, RequestCommandHandler, type Infra } from '@airlock/runtime';
import type { Logger } from 'pino';
import { IngressModule } from './ingress.module';
import { SubmitService, freezeLocks, inProcessFreezeLock, postgresFreezeLock } from './submit.service';
import { UploadService } from './upload.service';

export const INGRESS_SOURCE = '/airlock/ingress';
// PUT /requests/{requestId}/files/{name}: the body is the file, streamed, never parsed.
const UPLOAD_ROUTE = { method: 'PUT', path: /^\/requests\/[^/]+\/files\/[^/]+\/?$/ };

export async function startIngress(infra: Infra, config: AirlockConfig, logger: Logger): Promise<RunningHttpService> {
  const requests = new RequestCommandHandler(infra.eventStore, INGRESS_SOURCE);
  const registry = new RegistryHandler(infra.eventStore, INGRESS_SOURCE);
  const uploads = new UploadService(requests, infra.store, config.limits, logger);
  // The embedded database serves one connection, which the lock's transaction would hold.
  const lock = config.database.url ? freezeLocks(inProcessFreezeLock(), postgresFreezeLock(infra.db)) : inProcessFreezeLock();
  const submits = new SubmitService(requests, registry, infra.store, lock, logger);
  const publicUrl = config.http.publicUrls.ingress ?? `http://${config.http.host}:${config.http.ports.ingress}`;
  const metrics = createMetrics('ingress');
  infra.relay.registerMetrics(metrics.registry);
  const module = IngressModule.forRoot({
    deps: { requests, registry, store: infra.store, uploads, submits, links: { ttlSeconds: config.limits.downloadLinkSeconds, publicUrl }, clock: () => new Date() },
    tokens: infra.tokens,
    metrics,
    devIdentity: infra.devIdentity,
    readiness: [
      { name: 'database', check: async () => (await infra.db.query('select 1')).rowCount === 1 },
      { name: 'object-store', check: () => infra.store.ping() },
    ],
  });
  return startHttpService({
    module, host: config.http.host, port: config.http.ports.ingress, logger, metrics, accessLog: infra.accessLog, rawBodyRoutes: [UPLOAD_ROUTE],
  });
}
