import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { JwtTokenVerifier } from '@airlock/auth';
import { createDb, runMigrations, type Db } from '@airlock/database';
import { DEFAULT_APPROVAL_POLICY, type Actor, type RequestEvent } from '@airlock/domain';
import { PostgresEventStore, eventStoreMigrations } from '@airlock/event-store';
import { AuthGuard, METRICS, TOKEN_VERIFIER, createMetrics, startHttpService, type RunningHttpService } from '@airlock/http';
import { DEFAULT_PROJECT_POLICY, RegistryHandler, RequestCommandHandler } from '@airlock/application';
import { realStack, startTestIdentityProvider, type TestIdentityProvider } from '@airlock/testing';
import { appendRequestEvents, messageOf } from '@airlock/testing-moves';
import pino from 'pino';
import { ADMIN_DEPS, AdminController, type AdminDeps } from './admin.controller';
import { REVIEW_DEPS, ReviewsController, type ReviewDeps } from './reviews.controller';
import { ReviewReadModel, reviewReadModelEntities, reviewReadModelMigrations } from './review-read-model';

// ETag and If-Match over HTTP on real PostgreSQL, tokens verified against a JWKS. A checker's
// ETag is a digest of their own view, so blinded review holds: another checker's vote moves the
// stream's version but not the ETag, and the view carries no version. An administrator's project
// ETag is the registry's version. With If-Match a change is decided against exactly that read or
// refused 412 STALE_VERSION.
const schema = `etag_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
const project = 'proj-etag';
const ROOT: Actor = { userId: 'root', roles: ['administrator'], projectIds: [] };
let admin: Db;
let db: Db;
let events: PostgresEventStore;
let idp: TestIdentityProvider;
let http: RunningHttpService;
let readModel: ReviewReadModel;
const tokens: Record<string, string> = {};

async function call(as: string, method: string, path: string, options: { json?: unknown; ifMatch?: string } = {}) {
  const { json, ifMatch } = options;
  const response = await fetch(`${http.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens[as]}`,
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  const text = await response.text();
  return { status: response.status, etag: response.headers.get('etag'), body: text ? JSON.parse(text) : undefined };
}

/** A request of the project in review, turn 1, two files scanned clean and passed. */
async function inReview(): Promise<string> {
  const requestId = randomUUID();
  const at = new Date().toISOString();
  const files = ['f1', 'f2'].map((fileId) => ({
    fileId,
    name: `${fileId}.csv`,
    group: 'tables',
    kind: 'output' as const,
    sha256: fileId.padEnd(64, '0'),
    size: 10,
  }));
  const domainEvents: RequestEvent[] = [
    { type: 'RequestCreated', data: { requestId, projectId: project, title: 'Tables', authorId: 'alice', createdAt: at } },
    ...files.map((f): RequestEvent => ({ type: 'FileUploaded', data: { requestId, ...f, draftKey: `d/${f.fileId}`, uploadedAt: at } })),
    {
      type: 'RequestSubmitted',
      data: {
        requestId,
        turn: 1,
        files: files.map((f) => ({ ...f, quarantineKey: `q/${f.fileId}` })),
        policy: DEFAULT_APPROVAL_POLICY,
        disclosure: {},
        carriedVotes: [],
        groups: [{ group: 'tables', context: 'Counts', controls: 'Rounded' }],
        submittedBy: 'alice',
        submittedAt: at,
      },
    },
    { type: 'ChecksStarted', data: { requestId, turn: 1, startedAt: at } },
    ...files.flatMap((f): RequestEvent[] => [
      { type: 'FileScanned', data: { requestId, turn: 1, fileId: f.fileId, sha256: f.sha256, result: { status: 'clean', engine: 'test' }, scannedAt: at } },
      {
        type: 'FileChecked',
        data: {
          requestId,
          turn: 1,
          fileId: f.fileId,
          sha256: f.sha256,
          verdict: 'pass',
          fileType: 'csv',
          findings: [],
          rulesVersion: 'test',
          policy: {},
          checkedAt: at,
        },
      },
    ]),
    { type: 'ReviewOpened', data: { requestId, turn: 1, openedAt: at } },
  ];
  // The queue's read model gets the events as from Kafka.
  for (const envelope of await appendRequestEvents(events, requestId, domainEvents)) await readModel.onMessage(messageOf(envelope));
  return requestId;
}

beforeAll(async () => {
  admin = createDb({ url: realStack().databaseUrl, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  db = createDb({ url: realStack().databaseUrl, max: 4, schema, entities: reviewReadModelEntities });
  await runMigrations(db, eventStoreMigrations);
  await runMigrations(db, reviewReadModelMigrations);
  events = new PostgresEventStore(db);
  idp = await startTestIdentityProvider();
  const registry = new RegistryHandler(events, '/test');
  const requests = new RequestCommandHandler(events, '/test');
  const until = new Date(Date.now() + 86_400_000).toISOString();
  await registry.execute((at) => ({ type: 'CreateProject', actor: ROOT, at, data: { projectId: project, name: 'ETags', policy: DEFAULT_PROJECT_POLICY } }));
  await registry.execute((at) => ({ type: 'AddMember', actor: ROOT, at, data: { projectId: project, userId: 'alice' } }));
  for (const userId of ['chris', 'dana']) {
    await registry.execute((at) => ({ type: 'AssignChecker', actor: ROOT, at, data: { projectId: project, userId } }));
    await registry.execute((at) => ({ type: 'GrantAccreditation', actor: ROOT, at, data: { userId, expiresAt: until } }));
  }
  readModel = new ReviewReadModel(db, requests);
  const reviewDeps: ReviewDeps = { requests, registry, readModel, clock: () => new Date() };
  const adminDeps: AdminDeps = { registry, requests, defaultApprovals: 2 };
  @Module({
    controllers: [ReviewsController, AdminController],
    providers: [
      { provide: REVIEW_DEPS, useValue: reviewDeps },
      { provide: ADMIN_DEPS, useValue: adminDeps },
      { provide: TOKEN_VERIFIER, useValue: new JwtTokenVerifier({ issuer: idp.issuer, audience: idp.audience, jwksUrl: idp.jwksUrl }) },
      { provide: METRICS, useValue: createMetrics('egress-review-etag') },
      AuthGuard,
    ],
  })
  class EtagModule {}
  http = await startHttpService({
    module: EtagModule,
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics('egress-review-etag-http'),
  });
  tokens['chris'] = await idp.token('chris', ['output_checker']);
  tokens['dana'] = await idp.token('dana', ['output_checker']);
  tokens['root'] = await idp.token('root', ['administrator']);
});

afterAll(async () => {
  await http?.close();
  await idp?.stop();
  await db?.close();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.close();
});

describe("a checker's ETag under blinded review", () => {
  it("is an opaque digest of the checker's own view, unmoved by another checker's vote, and the view has no version", async () => {
    const requestId = await inReview();
    const before = await call('chris', 'GET', `/reviews/${requestId}`);
    expect(before).toMatchObject({ status: 200, body: { requestId, status: 'awaiting_review' } });
    expect(before.etag).toMatch(/^"v-[A-Za-z0-9_-]{32}"$/);
    expect(before.body).not.toHaveProperty('version');

    const danaVotes = await call('dana', 'POST', `/reviews/${requestId}/files/f1/votes`, { json: { decision: 'approve' } });
    expect(danaVotes.status).toBe(201);
    expect(danaVotes.body).not.toHaveProperty('version');
    // The stream moved (dana's vote) but chris's view did not: the same ETag, nothing to tell him a vote came in.
    expect((await events.readStream(`request-${requestId}`)).version).toBeGreaterThan(0);
    const after = await call('chris', 'GET', `/reviews/${requestId}`);
    expect(after.etag).toBe(before.etag);
    expect(after.body).toEqual(before.body);
    // Per view: dana, who sees her own vote, has another tag.
    expect((await call('dana', 'GET', `/reviews/${requestId}`)).etag).not.toBe(before.etag);

    // Decided against the view chris read (still his view), so it applies.
    const chrisVotes = await call('chris', 'POST', `/reviews/${requestId}/files/f1/votes`, { json: { decision: 'approve' }, ifMatch: before.etag as string });
    expect(chrisVotes.status).toBe(201);
    expect(chrisVotes.etag).toMatch(/^"v-/);
    expect(chrisVotes.etag).not.toBe(before.etag);
  });

  it('refuses a change against a view that moved with 412 STALE_VERSION, naming no version, and garbage with 400', async () => {
    const requestId = await inReview();
    const first = await call('chris', 'GET', `/reviews/${requestId}`);
    expect((await call('chris', 'POST', `/reviews/${requestId}/comments`, { json: { text: 'Looks fine' }, ifMatch: first.etag as string })).status).toBe(201);
    const stale = await call('chris', 'POST', `/reviews/${requestId}/files/f2/votes`, { json: { decision: 'approve' }, ifMatch: first.etag as string });
    expect(stale).toMatchObject({ status: 412, body: { code: 'STALE_VERSION' } });
    expect(JSON.stringify(stale.body)).not.toMatch(/version \d|\d+, not/);
    // Nothing was decided: the vote is not there.
    const now = await call('chris', 'GET', `/reviews/${requestId}`);
    expect(now.body.files.find((f: { fileId: string }) => f.fileId === 'f2').votes).toEqual([]);
    // A stream version is no checker's ETag: 412, like any tag that is not the current view's.
    expect((await call('chris', 'POST', `/reviews/${requestId}/files/f2/votes`, { json: { decision: 'approve' }, ifMatch: '"3"' })).status).toBe(412);
    expect(await call('chris', 'POST', `/reviews/${requestId}/files/f2/votes`, { json: { decision: 'approve' }, ifMatch: 'v-unquoted' })).toMatchObject({
      status: 400,
      body: { code: 'INVALID_IF_MATCH' },
    });
    // Without If-Match the change applies to the current state.
    expect((await call('chris', 'POST', `/reviews/${requestId}/files/f2/votes`, { json: { decision: 'approve' } })).status).toBe(201);
  });
});

describe("the checkers' queue", () => {
  it('shows no stream version either', async () => {
    const requestId = await inReview();
    const queue = await call('chris', 'GET', '/reviews?status=awaiting_review');
    const item = queue.body.items.find((i: { requestId: string }) => i.requestId === requestId);
    expect(item).toMatchObject({ requestId, projectId: project, status: 'awaiting_review', fileCount: 2 });
    expect(item).not.toHaveProperty('version');
  });
});

describe("an administrator's project ETag", () => {
  it("is the registry's version; a change with If-Match applies to exactly it or is 412", async () => {
    const read = await call('root', 'GET', `/admin/projects/${project}`);
    expect(read.status).toBe(200);
    const { version } = await events.readStream('registry');
    expect(read.etag).toBe(`"${version}"`);
    const stale = await call('root', 'PUT', `/admin/projects/${project}/members/olga`, { ifMatch: `"${version - 1}"` });
    expect(stale).toMatchObject({ status: 412, body: { code: 'STALE_VERSION' } });
    expect((await call('root', 'GET', `/admin/projects/${project}`)).body.members).not.toContain('olga');
    const fresh = await call('root', 'PUT', `/admin/projects/${project}/members/olga`, { ifMatch: read.etag as string });
    expect(fresh).toMatchObject({ status: 200, etag: `"${version + 1}"`, body: { members: expect.arrayContaining(['alice', 'olga']) } });
    expect(await call('root', 'PUT', `/admin/projects/${project}/members/olga`, { ifMatch: '"x"' })).toMatchObject({
      status: 400,
      body: { code: 'INVALID_IF_MATCH' },
    });
  });
});

describe("an administrator's revocation of an accreditation", () => {
  it("takes If-Match with the registry's version like the project commands: 412 on a stale one, 400 on garbage, none applies to the current state", async () => {
    const until = new Date(Date.now() + 86_400_000).toISOString();
    for (const userId of ['erin', 'fred'])
      expect((await call('root', 'PUT', `/admin/accreditations/${userId}`, { json: { expiresAt: until } })).status).toBe(200);
    const read = await call('root', 'GET', '/admin/accreditations/erin');
    const { version } = await events.readStream('registry');
    expect(read).toMatchObject({ status: 200, etag: `"${version}"`, body: { userId: 'erin', accredited: true } });

    const stale = await call('root', 'DELETE', '/admin/accreditations/erin', { ifMatch: `"${version - 1}"` });
    expect(stale).toMatchObject({ status: 412, body: { code: 'STALE_VERSION' } });
    expect((await call('root', 'GET', '/admin/accreditations/erin')).body).toMatchObject({ accredited: true });
    expect(await call('root', 'DELETE', '/admin/accreditations/erin', { ifMatch: '"x"' })).toMatchObject({ status: 400, body: { code: 'INVALID_IF_MATCH' } });

    const fresh = await call('root', 'DELETE', '/admin/accreditations/erin', { ifMatch: read.etag as string });
    expect(fresh).toMatchObject({ status: 200, etag: `"${version + 1}"`, body: { userId: 'erin', accredited: false } });
    expect((await call('root', 'GET', '/admin/accreditations/erin')).body).toMatchObject({ accredited: false });
    // Without If-Match (as the sibling routes) it applies to the current state.
    expect(await call('root', 'DELETE', '/admin/accreditations/fred')).toMatchObject({ status: 200, body: { userId: 'fred', accredited: false } });
  });
});
