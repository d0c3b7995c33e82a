import type { AirlockConfig } from '@airlock/config';
import { createDb } from '@airlock/database';
import { createMetrics, startHttpService, type RunningHttpService } from '@airlock/http';
import { registerBusMetrics } from '@airlock/messaging';
import { RegistryHandler, RequestCommandHandler } from '@airlock/application';
import type { Infra } from '@airlock/runtime';
import type { Logger } from 'pino';
import { urlencoded } from 'express';
import path from 'node:path';
import { Web, webOptionsFor } from '@airlock/web';
import { FindingsPreview } from './findings-preview';
import { AuthoredRequests } from './authored-requests';
import { DraftSweeper } from './draft-sweeper';
import { IngressModule } from './ingress.module';
import { SubmitService, freezeLocks, inProcessFreezeLock, postgresFreezeLock } from './submit.service';
import { UploadService } from './upload.service';
import { ResumableUploadService } from './resumable-upload.service';
import { isResumableUploadStore } from '@airlock/storage';

export const INGRESS_SOURCE = '/airlock/ingress';
// PUT /requests/{requestId}/files/{name}: the body is the file, streamed, never parsed.
const UPLOAD_ROUTE = { method: 'PUT', path: /^\/requests\/[^/]+\/files\/[^/]+\/?$/ };
// PUT /requests/{requestId}/uploads/{uploadId}/parts/{partNumber}: one part of a resumable upload, raw.
const PART_ROUTE = { method: 'PUT', path: /^\/requests\/[^/]+\/uploads\/[^/]+\/parts\/[^/]+\/?$/ };
// POST /web/requests/{requestId}/files: the pages' multipart upload, streamed; its handler checks the CSRF field.
const UPLOAD_FORM_ROUTE = { method: 'POST', path: /^\/web\/requests\/[^/]+\/files\/?$/ };
// Submits freezing at once, across all requests, per ingress process.
const FREEZE_LOCK_CONNECTIONS = 16;

export async function startIngress(infra: Infra, config: AirlockConfig, logger: Logger): Promise<RunningHttpService> {
  const requests = new RequestCommandHandler(infra.eventStore, INGRESS_SOURCE);
  const registry = new RegistryHandler(infra.eventStore, INGRESS_SOURCE);
  const uploads = new UploadService(requests, infra.store, config.limits, logger, registry);
  // The embedded database serves one connection, which the lock's transaction would hold. The lock
  // holds its connection for the whole freeze while the freeze itself needs others (to read and
  // append): from the shared pool, a burst of submits would take every connection and starve
  // themselves. Locks get a pool of their own; a submit past its size waits, then gets 503.
  const lockDb = config.database.url
    ? createDb({ url: config.database.url, max: FREEZE_LOCK_CONNECTIONS, applicationName: 'airlock-ingress-freeze' })
    : undefined;
  const lock = lockDb ? freezeLocks(inProcessFreezeLock(), postgresFreezeLock(lockDb)) : inProcessFreezeLock();
  const resumable = new ResumableUploadService(
    requests,
    infra.store,
    isResumableUploadStore(infra.store) ? infra.store : undefined,
    uploads,
    { maxUploadBytes: config.limits.maxUploadBytes, ...config.resumable },
    logger,
  );
  const submits = new SubmitService(requests, registry, infra.store, lock, logger);
  const publicUrl = config.http.publicUrls.ingress;
  const metrics = createMetrics('ingress');
  infra.relay.registerMetrics(metrics.registry);
  registerBusMetrics(infra.bus, metrics.registry);
  // The researchers' pages (docs/adr/0011-web-pages.md), and the development issuer's sign-in page for them.
  const webOptions = webOptionsFor(config, 'ingress', logger, {
    viewDirs: [path.join(__dirname, 'views')],
    assetDir: path.join(__dirname, 'assets'),
    formPaths: ['/dev/authorize'],
    multipartRoutes: [UPLOAD_FORM_ROUTE],
  });
  const web = webOptions ? new Web(webOptions, logger) : undefined;
  const callbackUris = [config.http.publicUrls.ingress, config.http.publicUrls.egressReview].filter(Boolean).map((url) => `${url}/web/auth/callback`);
  const module = IngressModule.forRoot({
    deps: {
      requests,
      registry,
      store: infra.store,
      uploads,
      resumable,
      submits,
      links: { ttlSeconds: config.limits.downloadLinkSeconds, publicUrl },
      clock: () => new Date(),
      authored: new AuthoredRequests(infra.db, requests),
      preview: new FindingsPreview(infra.store, registry, config.policy.minCellCount),
    },
    tokens: infra.tokens,
    metrics,
    devIdentity: infra.devIdentity,
    devIssuer: { publicUrl, redirectUris: callbackUris },
    web,
    readiness: [
      { name: 'database', check: async () => (await infra.db.query('select 1')).rowCount === 1 },
      { name: 'object-store', check: () => infra.store.ping() },
    ],
  });
  // A service that fails to listen leaves no lock pool open behind it; the sweep starts once it listens.
  const http = await startHttpService({
    module,
    host: config.http.host,
    port: config.http.ports.ingress,
    logger,
    metrics,
    accessLog: infra.accessLog,
    rawBodyRoutes: [UPLOAD_ROUTE, PART_ROUTE],
    configure: (app) => {
      // The token endpoint takes forms (RFC 6749), server to server: no session, no CSRF token.
      if (infra.devIdentity) app.use('/dev/token', urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));
      web?.install(app);
    },
  }).catch(async (error: unknown) => {
    await lockDb?.close();
    throw error;
  });
  const drafts = new DraftSweeper({
    store: infra.store,
    requests,
    logger,
    graceMs: config.drafts.graceMs,
    uploads: isResumableUploadStore(infra.store) ? infra.store : undefined,
    uploadExpiryMs: config.resumable.expiryMs,
    audit: infra.accessLog,
  });
  drafts.start(config.drafts.sweepIntervalMs);
  return {
    ...http,
    close: async () => {
      await drafts.stop();
      await http.close();
      await lockDb?.close();
    },
  };
}
