import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Controller, Get, Module, Param, UseGuards } from '@nestjs/common';
import { AccessLog, type AccessEvent, type AccessRecorder } from '@airlock/access-log';
import { JwtTokenVerifier } from '@airlock/auth';
import { createDb, runMigrations, type Db, type Queryable } from '@airlock/database';
import { RequestError, hasRole, type Actor } from '@airlock/domain';
import { eventStoreMigrations } from '@airlock/event-store';
import { realStack, startTestIdentityProvider, uniqueId, type TestIdentityProvider } from '@airlock/testing';
import pino from 'pino';
import { AuthGuard, CurrentActor, TOKEN_VERIFIER } from './auth.guard';
import { startHttpService, type RunningHttpService } from './http-service';
import { createMetrics } from './observability';

// Invariant 5 (issue 9, finding 10a): a refusal (401, 403) is answered only once its audit
// record is durable in PostgreSQL, through the same outbox as every event; if it cannot be
// written the caller gets 503, never the refusal without its record.

// A schema of our own: other suites' outbox relays must not publish these rows.
const schema = uniqueId('refusal_record').replace(/-/g, '_');
const logger = pino({ level: 'silent' });
let admin: Db;
let db: Db;
let idp: TestIdentityProvider;

@Controller('reviews')
@UseGuards(AuthGuard)
class ProbeController {
  @Get(':requestId')
  probe(@CurrentActor() actor: Actor, @Param('requestId') id: string) {
    if (!hasRole(actor, 'administrator')) throw new RequestError('ROLE_REQUIRED', 'Administrators only', { role: 'administrator' });
    return { requestId: id, secret: 'the refused content' };
  }
}

/** A slow database: the record lands well after the refusal was decided, so a response sent before it would show. */
class SlowAccessLog implements AccessRecorder {
  constructor(
    private readonly inner: AccessRecorder,
    private readonly delayMs: number,
  ) {}
  async record(event: AccessEvent, tx?: Queryable) {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return this.inner.record(event, tx);
  }
}

async function startProbe(accessLog: AccessRecorder): Promise<RunningHttpService> {
  const tokens = new JwtTokenVerifier({ issuer: idp.issuer, audience: idp.audience, jwksUrl: idp.jwksUrl });
  @Module({ controllers: [ProbeController], providers: [{ provide: TOKEN_VERIFIER, useValue: tokens }, AuthGuard] })
  class ProbeModule {}
  return startHttpService({ module: ProbeModule, host: '127.0.0.1', port: 0, logger, metrics: createMetrics(`probe_${randomUUID().slice(0, 8)}`), accessLog });
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

type OutboxRow = { payload: { type: string; actor: { userId: string }; data: { reasonCode: string; outcome: string } } };
const recordsFor = async (requestId: string) =>
  (await db.query<OutboxRow>('SELECT payload FROM outbox WHERE key = $1', [requestId])).rows.map((r) => r.payload);

beforeAll(async () => {
  admin = createDb({ url: realStack().databaseUrl, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  db = createDb({ url: realStack().databaseUrl, max: 2, schema });
  await runMigrations(db, eventStoreMigrations);
  idp = await startTestIdentityProvider();
});

afterAll(async () => {
  await idp?.stop();
  await db?.close();
  await admin?.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin?.close();
});

describe('a refusal and its audit record', () => {
  let service: RunningHttpService;
  beforeAll(async () => {
    service = await startProbe(new SlowAccessLog(new AccessLog(db, { source: '/airlock/test' }), 300));
  });
  afterAll(async () => service?.close());

  it('has its 401 record in PostgreSQL by the time the response arrives', async () => {
    const requestId = randomUUID();
    const response = await fetch(`${service.url}/reviews/${requestId}`);
    expect(response.status).toBe(401);
    // No waiting: the row must already be there.
    expect(await recordsFor(requestId)).toEqual([
      expect.objectContaining({ type: 'airlock.access.denied.v1', data: expect.objectContaining({ reasonCode: 'TOKEN_MISSING', outcome: 'denied' }) }),
    ]);
  });

  it('has its 403 record in PostgreSQL by the time the response arrives', async () => {
    const requestId = randomUUID();
    const token = await idp.token('rita', ['researcher']);
    const response = await fetch(`${service.url}/reviews/${requestId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(403);
    expect(await recordsFor(requestId)).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ userId: 'rita' }),
        data: expect.objectContaining({ reasonCode: 'ROLE_REQUIRED', outcome: 'denied' }),
      }),
    ]);
  });
});

describe('a refusal while the database is unreachable', () => {
  let unreachable: Db;
  let service: RunningHttpService;
  beforeAll(async () => {
    unreachable = createDb({ url: `postgres://airlock@127.0.0.1:${await closedPort()}/airlock`, max: 1, connectionTimeoutMillis: 1_000 });
    service = await startProbe(new AccessLog(unreachable, { source: '/airlock/test' }));
  });
  afterAll(async () => {
    await service?.close();
    await unreachable?.close();
  });

  it.each([
    ['without a token', undefined],
    ['with the wrong role', 'researcher'],
  ])('answers 503 %s, never the refusal without its record', async (_case, role) => {
    const headers: Record<string, string> = role ? { authorization: `Bearer ${await idp.token('rita', [role])}` } : {};
    const response = await fetch(`${service.url}/reviews/${randomUUID()}`, { headers });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const body = (await response.json()) as { code: string };
    expect(body.code).toBe('AUDIT_UNAVAILABLE');
    expect(JSON.stringify(body)).not.toContain('the refused content');
  });
});
