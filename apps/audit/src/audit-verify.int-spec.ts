import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ChainRangeError, RecordingAccessLog, generateSigningKey, signCheckpoint, verifyStoredChain } from '@airlock/access-log';
import type { TokenVerifier } from '@airlock/auth';
import { Topics } from '@airlock/contracts';
import type { Actor } from '@airlock/domain';
import { createLogger, createMetrics, startHttpService, type RunningHttpService } from '@airlock/http';
import { realStack } from '@airlock/testing';
import { AuditModule } from './audit.app';
import { AuditorAccess } from './auditor-access';
import { anEnvelope, freshAuditSchema, type AuditSchema } from './audit.test-kit';
import { Checkpointer } from './checkpointer';

// Issue 9, finding 9: a range the chain cannot answer is the caller's mistake (400), never a tamper
// alarm; only a chain that really changed is reported as tampered. Ten intact records per test.
jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../../..');
const run = promisify(execFile);
// The launcher `npx airlock-audit` runs, taken from this checkout (node_modules may be shared with another).
const CLI = path.join(ROOT, 'packages', 'airlock-audit', 'bin', 'airlock-audit.js');

class AuditorTokens implements TokenVerifier {
  async verify(header: string | undefined): Promise<Actor> {
    if (header === 'Bearer auditor') return { userId: 'auditor-1', roles: ['auditor'] };
    throw Object.assign(new Error('no token'), { code: 'TOKEN_MISSING' });
  }
}

let audit: AuditSchema;
let service: RunningHttpService;

beforeEach(async () => {
  audit = await freshAuditSchema('audit_verify');
  const log = audit.repository();
  await log.appendBatch(
    Array.from({ length: 10 }, (_, n) => ({ topic: Topics.requestEvents, envelope: anEnvelope({ data: { n: n + 1 } }), recordedAt: new Date().toISOString() })),
  );
  const logger = createLogger('audit', 'silent');
  const checkpointer = new Checkpointer(log, generateSigningKey().key, { intervalMs: 3_600_000, everyRecords: 1_000_000, logger });
  const metrics = createMetrics('audit');
  const access = new AuditorAccess(new RecordingAccessLog());
  service = await startHttpService({
    module: AuditModule.forRoot({ log, access, checkpointer, tokens: new AuditorTokens(), metrics, readiness: [] }),
    host: '127.0.0.1',
    port: 0,
    logger,
    metrics,
  });
});

afterEach(async () => {
  await service?.close();
  await audit?.dispose();
});

async function verifyOverHttp(query: string): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const response = await fetch(`${service.url}/audit/verify${query}`, { headers: { authorization: 'Bearer auditor' } });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [CLI, 'verify', '--schema', audit.schema, ...args], {
    cwd: ROOT,
    env: { ...process.env, AIRLOCK_DATABASE_URL: realStack().databaseUrl },
  })
    .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }))
    .catch((e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
}

describe('GET /audit/verify on an intact chain', () => {
  it.each([
    ['from after to', '?from=10&to=2', 'AUDIT_RANGE_REVERSED'],
    ['from beyond the end of the chain', '?from=20', 'AUDIT_RANGE_BEYOND_END'],
    ['from just past the last record', '?from=11', 'AUDIT_RANGE_BEYOND_END'],
    ['a negative from', '?from=-1', 'INVALID_QUERY'],
    ['a fractional from', '?from=1.5', 'INVALID_QUERY'],
    ['a to that is not a number', '?to=ten', 'INVALID_QUERY'],
    ['a zero to', '?to=0', 'INVALID_QUERY'],
  ])('refuses %s with 400 problem+json, not a tamper verdict', async (_, query, code) => {
    const answer = await verifyOverHttp(query);
    expect(answer).toMatchObject({ status: 400, body: { status: 400, code } });
    expect(answer.type).toMatch(/^application\/problem\+json/);
  });

  it.each([
    ['the whole chain', '', { count: 10, firstPosition: 1, lastPosition: 10 }],
    ['a range inside it', '?from=3&to=8', { count: 6, firstPosition: 3, lastPosition: 8 }],
    ['a range of one record', '?from=10&to=10', { count: 1, firstPosition: 10, lastPosition: 10 }],
    ['a range whose end is beyond the chain', '?from=9&to=500', { count: 2, firstPosition: 9, lastPosition: 10 }],
  ])('verifies %s', async (_, query, expected) => {
    expect(await verifyOverHttp(query)).toMatchObject({ status: 200, body: { valid: true, ...expected } });
  });
});

describe('GET /audit/verify on a tampered chain', () => {
  it('still reports an edited record as tampering', async () => {
    await audit.owner.withTransaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query(`UPDATE audit_records SET body = replace(body, '"n":5', '"n":50') WHERE position = 5`);
    });
    expect(await verifyOverHttp('?from=3&to=8')).toMatchObject({ status: 200, body: { valid: false, firstInvalidPosition: 5, kind: 'altered' } });
  });

  it('reports records cut off the end as deleted when a checkpoint was signed past the new end, even for a start beyond it', async () => {
    const { key } = generateSigningKey();
    const { rows } = await audit.owner.query<{ record_hash: string }>('SELECT record_hash FROM audit_records WHERE position = 10');
    await audit
      .repository()
      .saveCheckpoint(
        signCheckpoint(key, { position: 10, headHash: rows[0].record_hash }, new Date().toISOString()),
        key.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      );
    await audit.owner.withTransaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query('DELETE FROM audit_records WHERE position > 6');
    });
    expect(await verifyOverHttp('?from=8')).toMatchObject({ status: 200, body: { valid: false, firstInvalidPosition: 7, kind: 'deleted' } });
  });
});

describe('verifyStoredChain, shared by the endpoint and the CLI', () => {
  it.each([
    [{ from: 10, to: 2 }, 'AUDIT_RANGE_REVERSED'],
    [{ from: 11 }, 'AUDIT_RANGE_BEYOND_END'],
    [{ from: 0 }, 'AUDIT_RANGE_INVALID'],
    [{ from: 2.5 }, 'AUDIT_RANGE_INVALID'],
  ])('refuses %j with a coded range error', async (range, code) => {
    const refused = await verifyStoredChain(audit.writer, range).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ChainRangeError);
    expect(refused).toMatchObject({ code });
  });

  it('verifies an empty chain from its start', async () => {
    const empty = await freshAuditSchema('audit_verify_empty');
    try {
      expect(await verifyStoredChain(empty.writer)).toMatchObject({ valid: true, count: 0 });
    } finally {
      await empty.dispose();
    }
  });
});

describe('`npx airlock-audit verify` with a bad range', () => {
  it.each([
    [['--from', '20'], /beyond the end/],
    [['--from', '10', '--to', '2'], /before --from|after/],
  ])('%j: a usage error (exit 2), not a tamper verdict', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});
