import type { AirlockConfig } from '@airlock/config';
import { createMetrics, startHttpService, type RunningHttpService } from '@airlock/http';
import { RequestCommandHandler, type Infra } from '@airlock/runtime';
import type { Logger } from 'pino';
import { IngressModule } from './ingress.module';
import { UploadService } from './upload.service';

export const INGRESS_SOURCE = '/airlock/ingress';

export async function startIngress(infra: Infra, config: AirlockConfig, logger: Logger): Promise<RunningHttpService> {
  const requests = new RequestCommandHandler(infra.eventStore, INGRESS_SOURCE);
  const uploads = new UploadService(requests, infra.store, config.limits, logger);
  const metrics = createMetrics('ingress');
  const module = IngressModule.forRoot({
    deps: { requests, store: infra.store, uploads },
    tokens: infra.tokens,
    metrics,
    devIdentity: infra.devIdentity,
    readiness: [
      { name: 'database', check: async () => (await infra.db.query('select 1')).rowCount === 1 },
      { name: 'object-store', check: () => infra.store.ping() },
    ],
  });
  return startHttpService({ module, host: config.http.host, port: config.http.ports.ingress, logger, metrics });
}
