import { Module } from '@nestjs/common';
import { JwtTokenVerifier } from '@airlock/auth';
import { REGISTRY_STREAM_ID } from '@airlock/contracts';
import { createDb, runMigrations, type Db } from '@airlock/database';
import { PostgresEventStore, eventStoreMigrations } from '@airlock/event-store';
import { AuthGuard, METRICS, TOKEN_VERIFIER, createMetrics, startHttpService, type RunningHttpService } from '@airlock/http';
import { RegistryHandler, RequestCommandHandler } from '@airlock/application';
import { realStack, startTestIdentityProvider, type TestIdentityProvider } from '@airlock/testing';
import pino from 'pino';
import { ADMIN_DEPS, AdminController, type AdminDeps } from './admin.controller';

// The admin API of egress-review over HTTP, on real PostgreSQL, with tokens verified against a
// JWKS as in production. Issue 9, findings 2 and 7: ids that are JavaScript property names
// behave as ordinary ids (no 500, no `function Object()`, no false accreditation, no bogus
// event), ids outside the grammar are 400 naming the field, and out-of-range policy values are
// 400 naming the field. Finding 12: a project's checker cannot become its member.
const schema = `ids_policy_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
let admin: Db;
let db: Db;
let events: PostgresEventStore;
let idp: TestIdentityProvider;
let http: RunningHttpService;
let token: string;

async function call(method: string, path: string, json?: unknown) {
  const response = await fetch(`${http.url}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : undefined };
}

const registryVersion = async () => (await events.readStream(REGISTRY_STREAM_ID)).version;

beforeAll(async () => {
  admin = createDb({ url: realStack().databaseUrl, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  db = createDb({ url: realStack().databaseUrl, max: 4, schema });
  await runMigrations(db, eventStoreMigrations);
  events = new PostgresEventStore(db);
  idp = await startTestIdentityProvider();
  const deps: AdminDeps = { registry: new RegistryHandler(events, '/test'), requests: new RequestCommandHandler(events, '/test'), defaultApprovals: 2 };
  @Module({
    controllers: [AdminController],
    providers: [
      { provide: ADMIN_DEPS, useValue: deps },
      { provide: TOKEN_VERIFIER, useValue: new JwtTokenVerifier({ issuer: idp.issuer, audience: idp.audience, jwksUrl: idp.jwksUrl }) },
      { provide: METRICS, useValue: createMetrics('egress-review-ids-policy') },
      AuthGuard,
    ],
  })
  class AdminOnlyModule {}
  http = await startHttpService({
    module: AdminOnlyModule,
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics('egress-review-ids-policy-http'),
  });
  token = await idp.token('root', ['administrator']);
});

afterAll(async () => {
  await http?.close();
  await idp?.stop();
  await db?.close();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.close();
});

describe('ids that are JavaScript property names, over HTTP', () => {
  it('adds a member to an unknown project called constructor: 404, not 500', async () => {
    const response = await call('PUT', '/projects/constructor/members/alice');
    expect(response).toMatchObject({ status: 404, body: { code: 'UNKNOWN_PROJECT' } });
  });

  it('reads a project called constructor as any other project, not as function Object()', async () => {
    expect(await call('GET', '/projects/constructor')).toMatchObject({ status: 404, body: { code: 'UNKNOWN_PROJECT' } });
    expect(await call('POST', '/projects', { projectId: 'constructor', name: 'Cohort' })).toMatchObject({
      status: 201,
      body: { projectId: 'constructor', members: [] },
    });
    expect(await call('PUT', '/projects/constructor/members/toString')).toMatchObject({
      status: 200,
      body: { projectId: 'constructor', members: ['toString'] },
    });
    expect(await call('GET', '/projects/constructor')).toMatchObject({
      status: 200,
      body: { projectId: 'constructor', name: 'Cohort', members: ['toString'], checkers: [] },
    });
  });

  it('does not call toString accredited when nobody accredited them', async () => {
    for (const userId of ['toString', 'constructor', 'hasOwnProperty', 'valueOf']) {
      expect(await call('GET', `/accreditations/${userId}`)).toEqual(expect.objectContaining({ status: 200, body: { userId, accredited: false } }));
    }
  });

  it('refuses to revoke an accreditation nobody holds, and writes no event', async () => {
    const before = await registryVersion();
    for (const userId of ['hasOwnProperty', 'valueOf', 'constructor']) {
      expect(await call('DELETE', `/accreditations/${userId}`)).toMatchObject({ status: 404, body: { code: 'NOT_ACCREDITED' } });
    }
    expect(await registryVersion()).toBe(before);
    // ...and one that is granted is revoked like any other.
    expect(await call('PUT', '/accreditations/valueOf', { expiresAt: '2099-01-01T00:00:00.000Z' })).toMatchObject({ status: 200 });
    expect(await call('GET', '/accreditations/valueOf')).toMatchObject({ body: { accredited: true } });
    expect(await call('DELETE', '/accreditations/valueOf')).toMatchObject({ status: 200 });
    expect(await call('GET', '/accreditations/valueOf')).toMatchObject({ body: { accredited: false } });
  });

  it.each(['1', 'March 7 2099', '2099-01-01', '9999-12-31T23:30:00-01:00', '0000-01-01T00:30:00+01:00', '2099-02-30T00:00:00Z'])(
    'refuses the accreditation expiry %j: an RFC 3339 date-time with a four-digit year only, 400 and no event',
    async (expiresAt) => {
      const before = await registryVersion();
      expect(await call('PUT', '/accreditations/dora', { expiresAt })).toMatchObject({ status: 400, body: { code: 'INVALID_BODY' } });
      expect(await registryVersion()).toBe(before);
    },
  );

  it('takes an expiry with an offset and answers it in UTC', async () => {
    expect(await call('PUT', '/accreditations/dora', { expiresAt: '2099-01-01T01:30:00+01:00' })).toMatchObject({
      status: 200,
      body: { userId: 'dora', accredited: true, expiresAt: '2099-01-01T00:30:00.000Z' },
    });
  });

  it.each([
    ['GET', '/projects/__proto__', 'projectId'],
    ['PUT', '/projects/__proto__/members/alice', 'projectId'],
    ['PUT', '/projects/constructor/members/__proto__', 'userId'],
    ['DELETE', '/projects/constructor/members/_alice', 'userId'],
    ['PUT', '/projects/constructor/checkers/.chris', 'userId'],
    ['GET', '/accreditations/__proto__', 'userId'],
    ['DELETE', '/accreditations/__proto__', 'userId'],
    ['GET', `/accreditations/${'a'.repeat(65)}`, 'userId'],
  ])('%s %s outside the id grammar is 400 INVALID_ID naming %s', async (method, path, field) => {
    const response = await call(method, path);
    expect(response).toMatchObject({ status: 400, body: { code: 'INVALID_ID', field } });
    expect(response.type).toContain('application/problem+json');
  });

  it('refuses a project id outside the grammar in a body, naming the field', async () => {
    expect(await call('POST', '/projects', { projectId: '__proto__', name: 'x' })).toMatchObject({
      status: 400,
      body: { code: 'INVALID_ID', field: 'projectId' },
    });
  });
});

describe('project policy ranges, over HTTP', () => {
  it.each([
    ['policy.disclosure.nkK', { disclosure: { nkK: 5 } }],
    ['policy.disclosure.nkK', { disclosure: { nkK: 1 } }],
    ['policy.disclosure.p', { disclosure: { p: 10 } }],
    ['policy.disclosure.nkN', { disclosure: { nkN: 0 } }],
    ['policy.disclosure.classDisclosureShare', { disclosure: { classDisclosureShare: 1 } }],
    ['policy.disclosure.minResidualDof', { disclosure: { minResidualDof: -1 } }],
    ['policy.disclosure.minCellCount', { disclosure: { minCellCount: 1 } }],
    ['policy.disclosure.minCellCount', { disclosure: { minCellCount: 'ten' } }],
    ['policy.approval.requiredApprovals', { approval: { requiredApprovals: 0 } }],
    ['policy.approval.extraApprovalForKinds', { approval: { extraApprovalForKinds: ['binary'] } }],
    ['policy.disclosure.nkk', { disclosure: { nkk: 0.9 } }],
    ['policy.imports.allowedKinds', { imports: { allowedKinds: ['binaries'] } }],
    ['policy.imports.requiredApprovals', { imports: { requiredApprovals: 0 } }],
    ['policy.imports.disclosureChecks', { imports: { disclosureChecks: 'yes' } }],
    ['policy.imports', { imports: 'all' }],
  ])('refuses %s out of range with 400 naming the field', async (field, policy) => {
    const before = await registryVersion();
    expect(await call('PUT', '/projects/constructor/policy', policy)).toMatchObject({ status: 400, body: { code: 'INVALID_POLICY', field } });
    expect(await call('POST', '/projects', { projectId: 'p-bad', name: 'x', policy })).toMatchObject({ status: 400, body: { code: 'INVALID_POLICY', field } });
    expect(await registryVersion()).toBe(before);
  });

  it('accepts values in range', async () => {
    const policy = { approval: { requiredApprovals: 3 }, disclosure: { nkN: 2, nkK: 0.85, p: 0.15, minCellCount: 5 } };
    expect(await call('PUT', '/projects/constructor/policy', policy)).toMatchObject({
      status: 200,
      body: { policy: { approval: { requiredApprovals: 3, extraApprovalForReview: false, extraApprovalForKinds: [] }, disclosure: policy.disclosure } },
    });
  });

  it('takes an import policy, unset members from the defaults (docs/adr/0012-imports.md)', async () => {
    const policy = { imports: { allowedKinds: ['data', 'packages'] } };
    expect(await call('PUT', '/projects/constructor/policy', policy)).toMatchObject({
      status: 200,
      body: { policy: { imports: { allowedKinds: ['data', 'packages'], disclosureChecks: false, requiredApprovals: 1 } } },
    });
  });
});

describe('a checker is never a member of a project they check, over HTTP', () => {
  it('refuses both directions with 409', async () => {
    expect(await call('POST', '/projects', { projectId: 'p-independent', name: 'x' })).toMatchObject({ status: 201 });
    expect(await call('PUT', '/projects/p-independent/checkers/chris')).toMatchObject({ status: 200, body: { checkers: ['chris'] } });
    expect(await call('PUT', '/projects/p-independent/members/chris')).toMatchObject({ status: 409, body: { code: 'ALREADY_CHECKER' } });
    expect(await call('PUT', '/projects/p-independent/members/alice')).toMatchObject({ status: 200 });
    expect(await call('PUT', '/projects/p-independent/checkers/alice')).toMatchObject({ status: 409, body: { code: 'ALREADY_MEMBER' } });
    expect(await call('GET', '/projects/p-independent')).toMatchObject({ body: { members: ['alice'], checkers: ['chris'] } });
  });
});
