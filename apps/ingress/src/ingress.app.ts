import type { AirlockConfig } from '@airlock/config';
import { createMetrics, startHttpService, type RunningHttpService } from '@airlock/http';
import { RegistryHandler, RequestCommandHandler, type Infra } from '@airlock/runtime';
import type { Logger } from 'pino';
import { IngressModule } from './ingress.module';
import { UploadService } from './upload.service';

export const INGRESS_SOURCE = '/airlock/ingress';

export async function startIngress(infra: Infra, config: AirlockConfig, logger: Logger): Promise<RunningHttpService> {
  const requests = new RequestCommandHandler(infra.eventStore, INGRESS_SOURCE);
  const registry = new RegistryHandler(infra.eventStore, INGRESS_SOURCE);
  const uploads = new UploadService(requests, infra.store, config.limits, logger);
  const publicUrl = config.http.publicUrls.ingress ?? `http://${config.http.host}:${config.http.ports.ingress}`;
  const metrics = createMetrics('ingress');
  infra.relay.registerMetrics(metrics.registry);
  const module = IngressModule.forRoot({
    deps: { requests, registry, store: infra.store, uploads, links: { ttlSeconds: config.limits.downloadLinkSeconds, publicUrl }, clock: () => new Date() },
    tokens: infra.tokens,
    metrics,
    devIdentity: infra.devIdentity,
    readiness: [
      { name: 'database', check: async () => (await infra.db.query('select 1')).rowCount === 1 },
      { name: 'object-store', check: () => infra.store.ping() },
    ],
  });
  return startHttpService({ module, host: config.http.host, port: config.http.ports.ingress, logger, metrics, accessLog: infra.accessLog });
}
