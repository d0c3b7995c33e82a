import { createHash, randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Topics } from '@airlock/contracts';
import { ApiError, expectEventually, realStack, type AirlockClient, type RequestView } from '@airlock/testing';
import { newProject, startAirlock, type AirlockUnderTest } from './airlock-stack';

// The walking skeleton, end to end: four service processes on real PostgreSQL, Kafka, S3 and clamd.
jest.setTimeout(180_000);

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
const SAFE_TABLE = 'ward,admissions_2024,admissions_2025\nA,120,134\nB,98,101\nC,57,66\n';
const RISKY_TABLE = 'ward,y2023,y2024,y2025\nA,40,3,35\nB,45,50,52\nC,38,41,44\n';
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

let airlock: AirlockUnderTest;
let project: string;
let researcher: AirlockClient;
let checker1: AirlockClient;
let checker2: AirlockClient;
let auditor: AirlockClient;

async function untilStatus(client: AirlockClient, id: string, statuses: string[]): Promise<RequestView> {
  return expectEventually(
    async () => {
      const request = await client.getRequest(id);
      if (!statuses.includes(request.status)) throw new Error(`request ${id} is ${request.status}, waiting for ${statuses.join('|')}`);
      return request;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}

async function drafted(as = researcher): Promise<RequestView> {
  const request = await as.createRequest(project, 'e2e request');
  return as.defineGroup(request.requestId, 'outputs', 'Admissions by ward, 2023-2025', 'Counts below 10 suppressed');
}

async function submitted(files: Record<string, string | Buffer>, as = researcher): Promise<RequestView> {
  const request = await drafted(as);
  for (const [name, body] of Object.entries(files)) await as.upload(request.requestId, name, body);
  return as.submit(request.requestId);
}

async function expectProblem(call: Promise<unknown>, status: number, code: string): Promise<void> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect({ status: (error as ApiError).status, code: (error as ApiError).body.code }).toEqual({ status, code });
}

beforeAll(async () => {
  airlock = await startAirlock(3100);
  researcher = airlock.client.as(await airlock.token('alice', ['researcher']));
  checker1 = airlock.client.as(await airlock.token('chris', ['output_checker']));
  checker2 = airlock.client.as(await airlock.token('dana', ['output_checker']));
  auditor = airlock.client.as(await airlock.token('sam', ['auditor']));
  const admin = airlock.client.as(await airlock.token('root', ['administrator']));
  project = newProject();
  await admin.setUpProject(project, { researchers: ['alice', 'olga'], checkers: ['chris', 'dana'] });
});

afterAll(async () => {
  await airlock?.stop();
});

describe('a safe table, from upload to release', () => {
  let request: RequestView;

  it('is frozen on submit, scanned, checked and queued for review', async () => {
    request = await submitted({ 'admissions.csv': SAFE_TABLE });
    expect(request.status).toBe('submitted');
    expect(request.files[0].sha256).toBe(sha256(SAFE_TABLE));
    expect(await airlock.keysIn('quarantine', `requests/${request.requestId}/`)).toHaveLength(1);
    expect(await airlock.keysIn('draft', `requests/${request.requestId}/`)).toHaveLength(0);
    const checked = await untilStatus(researcher, request.requestId, ['awaiting_review']);
    expect(checked.files[0].scan).toMatchObject({ status: 'clean' });
    expect(checked.files[0].check).toMatchObject({ verdict: 'pass', findings: [] });
    const queue = await expectEventually(async () => {
      const q = await checker1.listReviews('awaiting_review');
      expect(q.items.map((i) => i.requestId)).toContain(request.requestId);
      return q;
    });
    expect(queue.items.length).toBeGreaterThan(0);
  });

  it('needs two distinct checkers, then releases the identical bytes', async () => {
    const fileId = request.files[0].fileId;
    const afterOne = await checker1.vote(request.requestId, fileId, 'approve', { comment: 'All counts at least 10' });
    expect(afterOne.status).toBe('awaiting_review');
    await expectProblem(checker1.vote(request.requestId, fileId, 'approve'), 409, 'DUPLICATE_VOTE');
    const afterTwo = await checker2.vote(request.requestId, fileId, 'approve');
    expect(afterTwo.status).toBe('approved');
    const released = await untilStatus(researcher, request.requestId, ['released']);
    expect(released.files[0].released).toBe(true);
    expect(released.actions).toContain('download');
    const download = await researcher.download(request.requestId, fileId);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.equals(Buffer.from(SAFE_TABLE))).toBe(true);
    expect(download.headers.get('x-content-sha256')).toBe(sha256(SAFE_TABLE));
    // The released file; the release record and its RO-Crate are written next to it.
    const outputs = await airlock.keysIn('released', `requests/${request.requestId}/`);
    expect(outputs).toHaveLength(1);
  });

  it('leaves a complete, ordered, verifiable audit trail, also on the audit topic', async () => {
    const expected = [
      'airlock.request.created.v1',
      'airlock.request.group-defined.v1',
      'airlock.request.file-uploaded.v1',
      'airlock.request.submitted.v1',
      'airlock.request.checks-started.v1',
      'airlock.request.file-scanned.v1',
      'airlock.request.file-checked.v1',
      'airlock.request.review-opened.v1',
      'airlock.request.vote-cast.v1',
      'airlock.request.vote-cast.v1',
      'airlock.request.approved.v1',
      'airlock.request.file-released.v1',
      'airlock.request.released.v1',
      'airlock.request.download-link-issued.v1',
      'airlock.request.file-downloaded.v1',
    ];
    const records = await expectEventually(
      async () => {
        const { items } = await auditor.auditRecords({ subject: request.requestId });
        expect(items.map((r) => r.envelope.type)).toEqual(expected);
        return items;
      },
      { timeoutMs: 30_000 },
    );
    const positions = records.map((r) => r.position);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(await auditor.verifyAudit()).toMatchObject({ valid: true });
    await expectProblem(researcher.auditRecords({ subject: request.requestId }), 403, 'ROLE_REQUIRED');

    const kafka = new Kafka({ clientId: 'e2e-audit-reader', brokers: realStack().kafkaBrokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `e2e-audit-${randomUUID()}` });
    const seen: { position: number; type: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: Topics.audit, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const record = JSON.parse(String(message.value));
        if (record.subject === request.requestId) seen.push({ position: record.data.position, type: record.data.event.type });
      },
    });
    try {
      await expectEventually(
        () => {
          const unique = [...new Map(seen.map((s) => [s.position, s])).values()];
          expect(unique.map((s) => s.type)).toEqual(expected);
          expect(unique.map((s) => s.position)).toEqual(positions);
        },
        { timeoutMs: 60_000 },
      );
    } finally {
      await consumer.disconnect();
    }
  });
});

describe('malware', () => {
  it('blocks a request carrying EICAR: the file lands in the blocked bucket and is never released', async () => {
    const infected = `run_id,notes\n1,"${EICAR}"\n`;
    const request = await submitted({ 'notes.csv': infected, 'table.csv': SAFE_TABLE });
    const blocked = await untilStatus(researcher, request.requestId, ['blocked', 'failed']);
    expect(blocked.status).toBe('blocked');
    expect(blocked.reason).toMatch(/malware found: .*Eicar/i);
    const notes = blocked.files.find((f) => f.name === 'notes.csv');
    expect(notes).toMatchObject({ blocked: true, released: false, scan: { status: 'infected' } });
    const blockedKeys = await airlock.keysIn('blocked', `requests/${request.requestId}/`);
    expect(blockedKeys).toHaveLength(1);
    expect(blockedKeys[0]).toContain(notes?.sha256);
    expect(await airlock.keysIn('released', `requests/${request.requestId}/`)).toEqual([]);
    await expectProblem(checker1.vote(request.requestId, notes?.fileId as string, 'approve'), 409, 'WRONG_STATE');
    const { items } = await expectEventually(async () => {
      const r = await auditor.auditRecords({ subject: request.requestId });
      expect(r.items.map((i) => i.envelope.type)).toContain('airlock.request.blocked.v1');
      return r;
    });
    expect(items.map((i) => i.envelope.type)).not.toContain('airlock.request.file-released.v1');
  });
});

describe('a table with a small cell', () => {
  it('shows the failing cells to the checker and needs a justification to approve', async () => {
    const request = await submitted({ 'risky.csv': RISKY_TABLE });
    await untilStatus(researcher, request.requestId, ['awaiting_review']);
    const review = await checker1.getReview(request.requestId);
    const file = review.files[0];
    expect(file.check?.verdict).toBe('fail');
    expect(file.check?.findings).toEqual([expect.objectContaining({ rule: 'threshold', cells: [expect.objectContaining({ row: 0, column: 1 })] })]);
    // Never a failing cell's value in the findings.
    expect(JSON.stringify(file.check?.findings)).not.toMatch(/"value"|\b3\b/);
    await expectProblem(checker1.vote(request.requestId, file.fileId, 'approve'), 422, 'OVERRIDE_REQUIRED');
    const afterOne = await checker1.vote(request.requestId, file.fileId, 'reject', { comment: 'Cell below threshold' });
    expect(afterOne.status).toBe('awaiting_review');
    const afterTwo = await checker2.vote(request.requestId, file.fileId, 'request_changes', { comment: 'Suppress it', visibility: 'public' });
    expect(afterTwo.status).toBe('rejected');
    // The rejected file moves from quarantine to the rejected bucket (kept for the retention period).
    await expectEventually(
      async () => {
        expect(await airlock.keysIn('rejected', `requests/${request.requestId}/`)).toHaveLength(1);
        expect(await airlock.keysIn('quarantine', `requests/${request.requestId}/`)).toEqual([]);
      },
      { timeoutMs: 60_000 },
    );
    const seenByResearcher = await researcher.getRequest(request.requestId);
    // The researcher sees the public comment, not the private one, and not who voted what.
    expect(seenByResearcher.files[0]).toMatchObject({ feedback: [{ text: 'Suppress it', turn: 1 }] });
    expect(JSON.stringify(seenByResearcher)).not.toMatch(/Cell below threshold|chris|dana/);
  });
});

describe('a large table, checked whole', () => {
  // 1,200 x 1,000 cells: past the 1,000,000 cells the rules once stopped at; one cell in 97 is under 10.
  const columns = 1000;
  const rows = 1200;
  const isSmall = (r: number, c: number): boolean => (r * columns + c) % 97 === 0;
  const table = [
    ['ward', ...Array.from({ length: columns }, (_, c) => `c${c}`)].join(','),
    ...Array.from({ length: rows }, (_, r) => [`w${r}`, ...Array.from({ length: columns }, (_, c) => (isSmall(r, c) ? 3 : 20 + ((r + c) % 50)))].join(',')),
  ].join('\n');
  let small = 0;
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) if (isSmall(r, c)) small++;

  it('reaches the checker with every failing cell counted and the first 200 named', async () => {
    const request = await submitted({ 'large.csv': table });
    await untilStatus(researcher, request.requestId, ['awaiting_review']);
    const [file] = (await checker1.getReview(request.requestId)).files;
    expect(file.check?.verdict).toBe('fail');
    const [threshold] = file.check?.findings ?? [];
    expect(threshold).toMatchObject({ rule: 'threshold', cellCount: small, message: `${small} cells have fewer than 10 contributors` });
    const cells = threshold.cells as unknown[];
    expect(cells).toHaveLength(200);
    expect(cells[0]).toEqual({ row: 0, column: 0, rowLabel: 'w0', columnLabel: 'c0' });
  });
});

describe('bad input gets a clear JSON error, never a 500', () => {
  it('404 for an unknown request', async () => {
    await expectProblem(researcher.getRequest(randomUUID()), 404, 'REQUEST_NOT_FOUND');
    await expectProblem(researcher.getRequest('not-a-uuid'), 404, 'REQUEST_NOT_FOUND');
    await expectProblem(checker1.getReview(randomUUID()), 404, 'REQUEST_NOT_FOUND');
  });
  it('409 for an upload to a submitted request', async () => {
    const request = await submitted({ 'a.csv': SAFE_TABLE });
    await expectProblem(researcher.upload(request.requestId, 'late.csv', SAFE_TABLE), 409, 'WRONG_STATE');
  });
  it('401 without a token, with a forged token, with an expired token', async () => {
    await expectProblem(airlock.client.createRequest(project, 't'), 401, 'TOKEN_MISSING');
    const forged = airlock.client.as(await airlock.token('alice', ['researcher'], { signWithForeignKey: true }));
    await expectProblem(forged.createRequest(project, 't'), 401, 'TOKEN_INVALID');
    const expired = airlock.client.as(await airlock.token('alice', ['researcher'], { expiresInSeconds: -3600 }));
    await expectProblem(expired.listReviews(), 401, 'TOKEN_EXPIRED');
    const otherIssuer = airlock.client.as(await airlock.token('alice', ['researcher'], { issuer: 'https://evil.example' }));
    await expectProblem(otherIssuer.createRequest(project, 't'), 401, 'TOKEN_INVALID');
  });
  it('403 for the author approving their own request', async () => {
    const both = airlock.client.as(await airlock.token('olga', ['researcher', 'output_checker']));
    const request = await submitted({ 'own.csv': SAFE_TABLE }, both);
    await untilStatus(both, request.requestId, ['awaiting_review']);
    await expectProblem(both.vote(request.requestId, request.files[0].fileId, 'approve'), 403, 'SELF_REVIEW');
    await expectProblem(both.getReview(request.requestId), 403, 'SELF_REVIEW');
  });
  it('412 for a change made against a stale version (ETag / If-Match)', async () => {
    const request = await drafted();
    const token = await airlock.token('alice', ['researcher']);
    const url = `${airlock.client.urls.ingress}/requests/${request.requestId}`;
    const read = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const etag = read.headers.get('etag');
    expect(etag).toBe(`"${request.version}"`);
    const change = (ifMatch: string) =>
      fetch(`${url}/groups/tables`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'if-match': ifMatch },
        body: JSON.stringify({ context: 'c', controls: 'k' }),
      });
    const stale = await change(`"${request.version - 1}"`);
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ code: 'STALE_VERSION' });
    const fresh = await change(etag as string);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('etag')).toBe(`"${request.version + 1}"`);
    expect((await change('"nonsense"')).status).toBe(400);
  });

  it("403 for a researcher on the checkers' API", async () => {
    await expectProblem(researcher.listReviews(), 403, 'ROLE_REQUIRED');
  });
  it('400 for an empty upload, a bad file name, malformed JSON', async () => {
    const request = await drafted();
    await expectProblem(researcher.upload(request.requestId, 'empty.csv', ''), 400, 'EMPTY_FILE');
    await expectProblem(researcher.upload(request.requestId, 'a/b.csv', 'x'), 400, 'INVALID_FILE_NAME');
    const response = await fetch(`${airlock.client.urls.ingress}/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await airlock.token('alice', ['researcher'])}`, 'content-type': 'application/json' },
      body: '{"projectId":',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'MALFORMED_JSON' });
    // A lone surrogate escape, in a value or in a key, is refused as malformed, not stored (jsonb would refuse it: a 500).
    // JSON.stringify writes a lone surrogate as its \u escape, as a client would send it.
    for (const raw of [
      JSON.stringify({ projectId: project, title: 'report \ud800' }),
      JSON.stringify({ projectId: project, title: 't', '\udc00': 1 }),
      JSON.stringify({ projectId: project, title: 'a\u0000b' }),
    ]) {
      const lone = await fetch(`${airlock.client.urls.ingress}/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await airlock.token('alice', ['researcher'])}`, 'content-type': 'application/json' },
        body: raw,
      });
      expect(lone.status).toBe(400);
      expect(await lone.json()).toMatchObject({ code: 'MALFORMED_JSON', detail: expect.stringContaining('well-formed Unicode') });
    }
    await expectProblem(researcher.submit(request.requestId), 400, 'NO_FILES');
    await expectProblem(researcher.upload(request.requestId, 'x.csv', 'a,b', { group: 'undefined-group' }), 422, 'UNKNOWN_GROUP');
  });
});

describe('disclosure-check killed mid-flow', () => {
  it('completes the request once after a restart, with no duplicate verdicts', async () => {
    const big = Buffer.alloc(64 * 1024 * 1024, 'a');
    const request = await drafted();
    for (const name of ['one.bin', 'two.bin', 'three.bin']) await researcher.upload(request.requestId, name, big);
    await researcher.submit(request.requestId);
    // Kill it while it is working on this request: after its first recorded step, before the last.
    await untilStatus(researcher, request.requestId, ['checking']);
    await airlock.stopService('disclosure-check', 'SIGKILL');
    const midway = await researcher.getRequest(request.requestId);
    expect(midway.status).toBe('checking');
    await airlock.startService('disclosure-check');
    await untilStatus(researcher, request.requestId, ['awaiting_review']);
    const types = await expectEventually(async () => {
      const { items } = await auditor.auditRecords({ subject: request.requestId });
      const t = items.map((i) => i.envelope.type);
      expect(t).toContain('airlock.request.review-opened.v1');
      return t;
    });
    const count = (type: string) => types.filter((t) => t === type).length;
    expect(count('airlock.request.checks-started.v1')).toBe(1);
    expect(count('airlock.request.file-scanned.v1')).toBe(3);
    expect(count('airlock.request.file-checked.v1')).toBe(3);
    expect(count('airlock.request.review-opened.v1')).toBe(1);
  });
});
