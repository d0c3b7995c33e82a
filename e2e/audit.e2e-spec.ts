import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Topics } from '@airlock/contracts';
import { createDb, type Db } from '@airlock/database';
import { ApiError, expectEventually, realStack, type AirlockClient, type RequestView } from '@airlock/testing';
import { newProject, startAirlock, type AirlockUnderTest } from './airlock-stack';

// The audit trail end to end: the four services as processes on the real stack; the audit log read
// through the auditors' API, checked against the event store and the outbox (an independent source),
// verified by the CLI, exported and verified offline, and read off the audit topic with kcat.
jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '..');
const run = promisify(execFile);
const SAFE_TABLE = 'ward,admissions_2024,admissions_2025\nA,120,134\nB,98,101\nC,57,66\n';

type AuditItem = {
  position: number;
  recordHash: string;
  prevHash: string;
  eventId: string;
  envelope: { id: string; type: string; subject: string; actor: { userId: string }; data: Record<string, unknown> };
};

let airlock: AirlockUnderTest;
let db: Db;
let work: string;
let researcher: AirlockClient;
let checker1: AirlockClient;
let checker2: AirlockClient;
let auditor: AirlockClient;
let auditorToken: string;
let checkerToken: string;
let request: RequestView;
const startedAt = new Date().toISOString();

function ensureKcat(): void {
  // The Debian package; installed here only when the stack script did not (deploy/local is not ours).
  if (spawnSync('sh', ['-c', 'command -v kcat']).status === 0) return;
  const install = spawnSync(
    'sh',
    ['-c', 'apt-get install -y kcat >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y kcat >/dev/null 2>&1)'],
    { timeout: 300_000 },
  );
  if (install.status !== 0) throw new Error('kcat is missing and apt-get could not install it');
}

async function auditGet(pathAndQuery: string, token = auditorToken): Promise<Response> {
  return fetch(`${airlock.client.urls.audit}${pathAndQuery}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

async function auditJson<T>(pathAndQuery: string): Promise<T> {
  const response = await auditGet(pathAndQuery);
  const body = await response.json();
  if (!response.ok) throw new ApiError(response.status, body as ApiError['body']);
  return body as T;
}

async function records(query: Record<string, string>): Promise<AuditItem[]> {
  const items: AuditItem[] = [];
  let after = '0';
  for (;;) {
    const page = await auditJson<{ items: AuditItem[]; next: number | null }>(`/audit/records?${new URLSearchParams({ ...query, after, limit: '1000' })}`);
    items.push(...page.items);
    if (page.next === null) return items;
    after = String(page.next);
  }
}

async function cli(args: string[]): Promise<{ code: number; verdict: Record<string, unknown>; stderr: string }> {
  const result = await run('npx', ['airlock-audit', ...args], {
    cwd: ROOT,
    env: { ...process.env, AIRLOCK_DATABASE_URL: realStack().databaseUrl },
    maxBuffer: 1 << 26,
  })
    .then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }))
    .catch((e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
  return { code: result.code, verdict: result.stdout ? JSON.parse(result.stdout) : {}, stderr: result.stderr };
}

async function expectProblem(call: Promise<unknown>, status: number, code: string): Promise<void> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect({ status: (error as ApiError).status, code: (error as ApiError).body?.code }).toEqual({ status, code });
}

beforeAll(async () => {
  ensureKcat();
  work = mkdtempSync(path.join(tmpdir(), 'airlock-audit-e2e-'));
  db = createDb({ url: realStack().databaseUrl, max: 2 });
  airlock = await startAirlock(3740);
  researcher = airlock.client.as(await airlock.token('alice', ['researcher']));
  checkerToken = await airlock.token('chris', ['output_checker']);
  checker1 = airlock.client.as(checkerToken);
  checker2 = airlock.client.as(await airlock.token('dana', ['output_checker']));
  auditorToken = await airlock.token('sam', ['auditor']);
  auditor = airlock.client.as(auditorToken);
  const admin = airlock.client.as(await airlock.token('root', ['administrator']));
  const project = newProject();
  await admin.setUpProject(project, { researchers: ['alice'], checkers: ['chris', 'dana'] });

  // The flow of the walking skeleton: upload, freeze, scan and check, two approvals, release, download.
  const drafted = await researcher.createRequest(project, 'audit e2e');
  await researcher.defineGroup(drafted.requestId, 'outputs', 'Admissions by ward', 'Counts below 10 suppressed');
  await researcher.upload(drafted.requestId, 'admissions.csv', SAFE_TABLE);
  request = await researcher.submit(drafted.requestId);
  await expectEventually(async () => expect((await researcher.getRequest(request.requestId)).status).toBe('awaiting_review'), { timeoutMs: 60_000 });
  const fileId = request.files[0].fileId;
  // A checker reads the frozen bytes (an access event), and is refused the researcher's API (another).
  const view = await fetch(`${airlock.client.urls.egressReview}/reviews/${request.requestId}/files/${fileId}/content`, {
    headers: { authorization: `Bearer ${checkerToken}` },
  });
  expect(view.status).toBe(200);
  await view.arrayBuffer();
  await expectProblem(checker1.getRequest(request.requestId), 403, 'NOT_AUTHOR');
  await checker1.vote(request.requestId, fileId, 'approve');
  await checker2.vote(request.requestId, fileId, 'approve');
  await expectEventually(async () => expect((await researcher.getRequest(request.requestId)).status).toBe('released'), { timeoutMs: 60_000 });
  await (await researcher.download(request.requestId, fileId)).arrayBuffer();
  // Refusals, each of which must reach the audit log.
  await expectProblem(researcher.auditRecords({ requestId: request.requestId }), 403, 'ROLE_REQUIRED');
  await expectProblem(airlock.client.auditRecords({ requestId: request.requestId }), 401, 'TOKEN_MISSING');
});

afterAll(async () => {
  await airlock?.stop();
  await db?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the audit log after a request's life", () => {
  it("holds every event of the request's stream, once, in stream order", async () => {
    // Independent source: the event store itself, read as the database superuser.
    const stream = async () =>
      (
        await db.query<{ event_id: string; type: string }>('SELECT event_id, type FROM events WHERE stream_id = $1 ORDER BY stream_version', [
          `request-${request.requestId}`,
        ])
      ).rows;
    const expected = await stream();
    expect(expected.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'airlock.request.created.v1',
        'airlock.request.submitted.v1',
        'airlock.request.approved.v1',
        'airlock.request.released.v1',
        'airlock.request.file-downloaded.v1',
      ]),
    );
    const items = await expectEventually(
      async () => {
        const found = (await records({ requestId: request.requestId })).filter((r) => r.envelope.type.startsWith('airlock.request.'));
        expect(found.map((r) => r.eventId)).toEqual(expected.map((e) => e.event_id));
        return found;
      },
      { timeoutMs: 60_000 },
    );
    expect(items.map((r) => r.envelope.type)).toEqual(expected.map((e) => e.type));
    const positions = items.map((r) => r.position);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(await stream()).toEqual(expected);
  });

  it('holds every access event the services wrote about it, once', async () => {
    const written = (
      await db.query<{ event_id: string; type: string }>(`SELECT event_id, payload->>'type' AS type FROM outbox WHERE topic = $1 AND key = $2`, [
        Topics.accessEvents,
        request.requestId,
      ])
    ).rows;
    // What this test did: the checker viewed the file, and was refused the researcher's view of the request.
    expect(written.map((w) => w.type)).toEqual(expect.arrayContaining(['airlock.access.file-viewed.v1', 'airlock.access.denied.v1']));
    const found = await expectEventually(
      async () => {
        const access = (await records({ requestId: request.requestId })).filter((r) => r.envelope.type.startsWith('airlock.access.'));
        expect(access.map((r) => r.eventId).sort()).toEqual(written.map((w) => w.event_id).sort());
        return access;
      },
      { timeoutMs: 30_000 },
    );
    expect(found.find((r) => r.envelope.type === 'airlock.access.file-viewed.v1')?.envelope).toMatchObject({
      actor: { userId: 'chris' },
      data: { file: { sha256: createHash('sha256').update(SAFE_TABLE).digest('hex') } },
    });
    expect(found.find((r) => r.envelope.type === 'airlock.access.denied.v1')?.envelope).toMatchObject({
      actor: { userId: 'chris' },
      data: { reasonCode: 'NOT_AUTHOR', requestId: request.requestId },
    });
  });

  it("records refusals: the researcher on the auditors' API, and a caller without a token", async () => {
    await expectEventually(
      async () => {
        const denied = await records({ type: 'airlock.access.denied.v1', since: startedAt });
        expect(denied.map((r) => r.envelope)).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              subject: 'user:alice',
              actor: expect.objectContaining({ userId: 'alice' }),
              data: expect.objectContaining({ reasonCode: 'ROLE_REQUIRED', action: 'GET /audit/records', outcome: 'denied' }),
            }),
            expect.objectContaining({
              actor: expect.objectContaining({ userId: 'anonymous' }),
              data: expect.objectContaining({ reasonCode: 'TOKEN_MISSING', action: 'GET /audit/records' }),
            }),
          ]),
        );
      },
      { timeoutMs: 30_000 },
    );
  });

  it("records the auditor's own queries", async () => {
    await expectEventually(
      async () => {
        const queried = await records({ userId: 'sam', type: 'airlock.access.audit-queried.v1', since: startedAt });
        expect(queried.map((r) => r.envelope.data)).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              action: 'audit.records',
              outcome: 'allowed',
              details: expect.objectContaining({ filter: expect.objectContaining({ requestId: request.requestId }) }),
            }),
          ]),
        );
      },
      { timeoutMs: 30_000 },
    );
  });

  it('answers queries by user, project, file hash, event type and time, a page at a time', async () => {
    const mine = await records({ requestId: request.requestId });
    const projectId = String((mine.find((r) => r.envelope.type === 'airlock.request.created.v1')?.envelope.data as { projectId: string }).projectId);
    const ids = (items: AuditItem[]) => items.map((r) => r.eventId);
    expect(ids(await records({ projectId }))).toEqual(expect.arrayContaining(ids(mine)));
    const sha256 = createHash('sha256').update(SAFE_TABLE).digest('hex');
    const byHash = await records({ fileHash: sha256, requestId: request.requestId });
    expect(byHash.length).toBeGreaterThan(0);
    expect(byHash.every((r) => JSON.stringify(r.envelope.data).includes(sha256))).toBe(true);
    expect(
      (await records({ userId: 'chris', type: 'airlock.request.vote-cast.v1', requestId: request.requestId })).map((r) => r.envelope.actor.userId),
    ).toEqual(['chris']);
    expect(await records({ requestId: request.requestId, until: startedAt })).toEqual([]);
    const firstPage = await auditJson<{ items: AuditItem[]; next: number }>(`/audit/records?requestId=${request.requestId}&limit=2`);
    const secondPage = await auditJson<{ items: AuditItem[] }>(`/audit/records?requestId=${request.requestId}&limit=2&after=${firstPage.next}`);
    expect([...firstPage.items, ...secondPage.items].map((r) => r.eventId)).toEqual(ids(mine.slice(0, 4)));
  });
});

describe('verification', () => {
  it('the chain verifies over HTTP and with `npx airlock-audit verify`, against the published key', async () => {
    expect(await auditor.verifyAudit()).toMatchObject({ valid: true });
    const [first] = await records({ requestId: request.requestId });
    expect(await auditJson(`/audit/verify?from=${first.position}`)).toMatchObject({ valid: true, firstPosition: first.position });
    const keyFile = path.join(work, 'key.pem');
    writeFileSync(keyFile, await (await auditGet('/audit/public-key', '')).text());
    const { code, verdict } = await cli(['verify', '--public-key', keyFile]);
    expect({ code, valid: verdict.valid }).toEqual({ code: 0, valid: true });
  });

  it('an export verifies offline against the checkpoint it carries; an edited copy names the record', async () => {
    const keyFile = path.join(work, 'key.pem');
    writeFileSync(keyFile, await (await auditGet('/audit/public-key', '')).text());
    const mine = await records({ requestId: request.requestId });
    const from = mine[0].position;
    const response = await auditGet(`/audit/export?format=jsonl&from=${from}`);
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    const text = await response.text();
    const file = path.join(work, 'export.jsonl');
    writeFileSync(file, text);
    const verified = await cli(['verify-export', file, '--public-key', keyFile]);
    expect(verified.code).toBe(0);
    expect(verified.verdict).toMatchObject({ valid: true, status: 'verified', firstPosition: from });
    expect(verified.verdict.signedThrough).toBe(verified.verdict.lastPosition);

    const vote = mine.find((r) => r.envelope.type === 'airlock.request.vote-cast.v1') as AuditItem;
    const edited = text
      .split('\n')
      .map((line) =>
        line.startsWith(`{"position":${vote.position},`)
          ? line.replace('"checkerId":"chris"', '"checkerId":"mallory"').replace('"userId":"chris"', '"userId":"mallory"')
          : line,
      )
      .join('\n');
    expect(edited).not.toEqual(text);
    writeFileSync(file, edited);
    const tampered = await cli(['verify-export', file, '--public-key', keyFile]);
    expect(tampered.code).toBe(1);
    expect(tampered.verdict).toMatchObject({ valid: false, status: 'tampered', finding: { kind: 'altered', position: vote.position } });
    expect(tampered.stderr).toContain(`record ${vote.position} altered`);

    const dropped = text
      .split('\n')
      .filter((line) => !line.startsWith(`{"position":${vote.position},`))
      .join('\n');
    writeFileSync(file, dropped);
    expect((await cli(['verify-export', file, '--public-key', keyFile])).verdict).toMatchObject({
      status: 'tampered',
      finding: { kind: 'deleted', position: vote.position },
    });
  });

  it('exports CEF lines for SIEM tools, one per record', async () => {
    const mine = await records({ requestId: request.requestId });
    const response = await auditGet(`/audit/export?format=cef&requestId=${request.requestId}`);
    const lines = (await response.text()).split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(mine.length);
    expect(lines.every((l) => l.startsWith('CEF:0|Airlock|airlock-audit|1.0|'))).toBe(true);
    expect(lines[0]).toContain(`cs1=${request.requestId}`);
    expect(lines[0]).toContain(`cn1=${mine[0].position}`);
  });
});

describe('the audit topic', () => {
  it('read with kcat, holds the same records for the request, keyed by it, in order', async () => {
    const mine = await records({ requestId: request.requestId });
    const expected = mine.map((r) => ({ position: r.position, type: r.envelope.type, recordHash: r.recordHash }));
    const broker = realStack().kafkaBrokers[0];
    await expectEventually(
      async () => {
        const { stdout } = await run('kcat', ['-C', '-b', broker, '-t', Topics.audit, '-o', 'beginning', '-e', '-q', '-f', '%k\t%s\n'], { maxBuffer: 1 << 30 });
        const seen = new Map<string, { position: number; type: string; recordHash: string }>();
        for (const line of stdout.split('\n')) {
          const tab = line.indexOf('\t');
          if (tab < 0 || line.slice(0, tab) !== request.requestId) continue;
          const record = JSON.parse(line.slice(tab + 1)) as {
            id: string;
            type: string;
            subject: string;
            data: { position: number; recordHash: string; event: { type: string } };
          };
          expect(record).toMatchObject({ type: 'airlock.audit.record.v1', subject: request.requestId });
          // At-least-once: a consumer deduplicates on the id.
          seen.set(record.id, { position: record.data.position, type: record.data.event.type, recordHash: record.data.recordHash });
        }
        expect([...seen.values()]).toEqual(expected);
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
  });
});
