import 'reflect-metadata';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { RecordingAccessLog, generateSigningKey } from '@airlock/access-log';
import { JwtTokenVerifier } from '@airlock/auth';
import { createDb } from '@airlock/database';
import { InMemoryEventStore } from '@airlock/event-store';
import { buildOpenApiDocument, createLogger, createMetrics, type ApiDocumentInfo } from '@airlock/http';
import { RegistryHandler, RequestCommandHandler } from '@airlock/application';
import { LocalDiskObjectStore } from '@airlock/storage';
import { AuditModule } from '../apps/audit/src/audit.app';
import { AuditLogRepository } from '../apps/audit/src/audit-log.repository';
import { AuditorAccess } from '../apps/audit/src/auditor-access';
import { Checkpointer } from '../apps/audit/src/checkpointer';
import { DISCLOSURE_CHECK_API, DisclosureCheckModule } from '../apps/disclosure-check/src/disclosure-check.app';
import { EgressReviewModule } from '../apps/egress-review/src/egress-review.app';
import { ReviewReadModel } from '../apps/egress-review/src/review-read-model';
import { IngressModule } from '../apps/ingress/src/ingress.module';
import { UploadService } from '../apps/ingress/src/upload.service';
import { SubmitService, inProcessFreezeLock } from '../apps/ingress/src/submit.service';

// `npm run openapi`: writes docs/openapi/<service>.json from the services' own Nest modules,
// wired to in-memory dependencies (nothing is called while the document is built, no server runs).
export const OPENAPI_SERVICES = ['ingress', 'egress-review', 'audit', 'disclosure-check'] as const;
export type OpenApiService = (typeof OPENAPI_SERVICES)[number];
export const openApiFile = (service: OpenApiService) => path.resolve(__dirname, '..', 'docs', 'openapi', `${service}.json`);

type Wiring = { module: DynamicModule; close(): Promise<void>; info?: ApiDocumentInfo };

async function wiring(service: OpenApiService): Promise<Wiring> {
  const eventStore = new InMemoryEventStore();
  const requests = new RequestCommandHandler(eventStore, `/airlock/${service}`);
  const registry = new RegistryHandler(eventStore, `/airlock/${service}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-openapi-'));
  const store = new LocalDiskObjectStore(dir);
  // The JWKS is fetched on the first verification only, which never happens here.
  const tokens = new JwtTokenVerifier({ issuer: 'https://idp.invalid', audience: 'airlock', jwksUrl: 'https://idp.invalid/jwks' });
  const metrics = createMetrics(service);
  const clock = () => new Date();
  if (service === 'ingress') {
    const logger = createLogger(service, 'silent');
    const uploads = new UploadService(requests, store, { maxUploadBytes: 1 }, logger);
    const submits = new SubmitService(requests, registry, store, inProcessFreezeLock(), logger);
    const deps = { requests, registry, store, uploads, submits, links: { ttlSeconds: 300, publicUrl: 'http://localhost' }, clock };
    return { module: IngressModule.forRoot({ deps, tokens, metrics, readiness: [] }), close: () => rm(dir, { recursive: true, force: true }) };
  }
  if (service === 'disclosure-check') {
    // A consumer group member: its HTTP server serves health and metrics only.
    return { module: DisclosureCheckModule.forRoot(metrics, []), info: DISCLOSURE_CHECK_API, close: () => rm(dir, { recursive: true, force: true }) };
  }
  // A pool connects on its first query; nothing is queried while building the document.
  const db = createDb({ url: 'postgres://airlock@127.0.0.1:1/unused', max: 1 });
  const closeAll = async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  };
  if (service === 'audit') {
    const log = new AuditLogRepository(db, { auditTopic: 'airlock.audit.openapi' });
    const logger = createLogger(service, 'silent');
    const checkpointer = new Checkpointer(log, generateSigningKey().key, { intervalMs: 60_000, everyRecords: 1_000, logger });
    const access = new AuditorAccess(new RecordingAccessLog());
    return { module: AuditModule.forRoot({ log, access, checkpointer, tokens, metrics, readiness: [] }), close: closeAll };
  }
  const readModel = new ReviewReadModel(db, requests);
  const accessLog = new RecordingAccessLog();
  const module = EgressReviewModule.forRoot(
    { requests, registry, readModel, clock },
    { registry, requests, defaultApprovals: 2 },
    { requests, registry, store, accessLog },
    tokens,
    metrics,
    [],
  );
  return { module, close: closeAll };
}

/** The service's Nest application, initialised (routes registered) but not listening. */
export async function openApiApp(service: OpenApiService): Promise<{ app: INestApplication; info?: ApiDocumentInfo; close(): Promise<void> }> {
  const { module, info, close } = await wiring(service);
  const app = await NestFactory.create(module, { logger: false, bodyParser: false, abortOnError: false });
  await app.init();
  return {
    app,
    info,
    close: async () => {
      await app.close();
      await close();
    },
  };
}

export async function generateOpenApi(service: OpenApiService): Promise<OpenAPIObject> {
  const { app, info, close } = await openApiApp(service);
  try {
    return buildOpenApiDocument(app, info);
  } finally {
    await close();
  }
}

/** Stable text of a document, as checked in. */
export const openApiText = (document: OpenAPIObject) => `${JSON.stringify(document, null, 2)}\n`;

async function main() {
  for (const service of OPENAPI_SERVICES) {
    const file = openApiFile(service);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, openApiText(await generateOpenApi(service)));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
