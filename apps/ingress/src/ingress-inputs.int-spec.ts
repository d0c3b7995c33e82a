import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '@airlock/config';
import type { Actor } from '@airlock/domain';
import { InProcessMessageBus } from '@airlock/messaging';
import { DEFAULT_PROJECT_POLICY, RegistryHandler, RequestCommandHandler } from '@airlock/application';
import { buildInfra, type Infra } from '@airlock/runtime';
import { FaultInjectingObjectStore, InjectedFaultError, type FaultPlan } from '@airlock/storage';
import { AirlockClient, ApiError, expectEventually, realStack, startTestIdentityProvider, uniqueId, type TestIdentityProvider } from '@airlock/testing';
import pino from 'pino';
import type { RunningHttpService } from '@airlock/http';
import { startIngress } from './ingress.app';
import { SubmitService, inProcessFreezeLock } from './submit.service';

// Ingress in this process on the real PostgreSQL and S3 server (events stay off Kafka: an
// in-process bus), driven over HTTP: racing submits and uploads, raw bodies of any content type,
// hostile file names, aborted uploads, and a freeze that fails or crashes after every step.
jest.setTimeout(120_000);

const ADMIN: Actor = { userId: 'admin-int', roles: ['administrator'] };
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
type LogLine = { level: number; msg: string; code?: string; requestId?: string; [k: string]: unknown };

let idp: TestIdentityProvider;
let infra: Infra;
let service: RunningHttpService;
let researcher: AirlockClient;
let s3: S3Client;
let project: string;
let token: string;
const logs: LogLine[] = [];

beforeAll(async () => {
  idp = await startTestIdentityProvider({ issuer: 'https://idp.ingress-int.test', audience: 'airlock' });
  const config = loadConfig({
    ...process.env,
    AIRLOCK_OIDC_ISSUER: idp.issuer,
    AIRLOCK_OIDC_AUDIENCE: idp.audience,
    AIRLOCK_OIDC_JWKS_URL: idp.jwksUrl,
    AIRLOCK_INGRESS_PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
    AIRLOCK_HOST: '127.0.0.1',
    AIRLOCK_S3_BUCKET_PREFIX: 'airlock-',
  });
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  infra = await buildInfra(config, { service: 'ingress', logger, shared: { bus: new InProcessMessageBus() } });
  service = await startIngress(infra, config, logger);
  const stack = realStack();
  s3 = new S3Client({
    endpoint: stack.s3.endpoint,
    region: stack.s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
  });
  project = uniqueId('project');
  const userId = uniqueId('researcher');
  const registry = new RegistryHandler(infra.eventStore, '/test');
  await registry.execute((at) => ({ type: 'CreateProject', actor: ADMIN, at, data: { projectId: project, name: project, policy: DEFAULT_PROJECT_POLICY } }));
  await registry.execute((at) => ({ type: 'AddMember', actor: ADMIN, at, data: { projectId: project, userId } }));
  await registry.execute((at) => ({
    type: 'GrantAccreditation',
    actor: ADMIN,
    at,
    data: { userId, expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
  }));
  token = await idp.token(userId, ['researcher']);
  researcher = new AirlockClient({ ingress: service.url, egressReview: '', audit: '' }, token);
});

afterAll(async () => {
  await service?.close();
  await infra?.close();
  await idp?.stop();
  s3?.destroy();
});

async function draftRequest(files: Record<string, string> = {}) {
  const { requestId } = await researcher.createRequest(project, 'Ward admissions');
  await researcher.defineGroup(requestId, 'outputs', 'Admissions by ward', 'Cells under 10 suppressed');
  for (const [name, content] of Object.entries(files)) await researcher.upload(requestId, name, content);
  return requestId;
}

async function keysIn(stage: string, prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: `airlock-${stage}`, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key as string);
}

async function bytesOf(stage: string, key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: `airlock-${stage}`, Key: key }));
  return Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

/** Status and problem code of each settled call. */
async function outcomes(calls: Promise<unknown>[]): Promise<{ status: number; code?: string }[]> {
  const settled = await Promise.allSettled(calls);
  return settled.map((s) => {
    if (s.status === 'fulfilled') return { status: 200 };
    if (s.reason instanceof ApiError) return { status: s.reason.status, code: s.reason.body.code };
    return { status: -1, code: String(s.reason) };
  });
}

function upload(requestId: string, name: string, body: string | Buffer, contentType: string) {
  return fetch(`${service.url}/requests/${requestId}/files/${encodeURIComponent(name)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body,
  });
}

async function expectFrozen(requestId: string, contents: Record<string, string>) {
  const request = await researcher.getRequest(requestId);
  expect(request.status).toBe('submitted');
  expect(request.files.map((f) => f.name).sort()).toEqual(Object.keys(contents).sort());
  const { state } = await new RequestCommandHandler(infra.eventStore, '/test').load(requestId);
  if (state.status === 'none') throw new Error('request missing');
  for (const file of state.files) {
    expect(file.sha256).toBe(sha256(contents[file.name]));
    expect(sha256(await bytesOf('quarantine', file.quarantineKey as string))).toBe(file.sha256);
  }
  expect(await keysIn('draft', `requests/${requestId}/`)).toEqual([]);
}

describe('racing submits (issue 9, finding 8)', () => {
  it('lets exactly one of 20 parallel submits win; the others get 409 and nothing is lost', async () => {
    const contents = { 'a.csv': 'ward,n\nA,120\n', 'b.csv': 'ward,n\nB,98\n' };
    const requestId = await draftRequest(contents);
    const results = await outcomes(Array.from({ length: 20 }, () => researcher.submit(requestId)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200)).toEqual(
      Array.from({ length: 19 }, () => ({ status: 409, code: expect.stringMatching(/^(WRONG_STATE|SUBMIT_IN_PROGRESS)$/) })),
    );
    await expectFrozen(requestId, contents);
  });
});

describe('racing uploads (issue 9, finding 8)', () => {
  it('accepts 20 parallel uploads of different names into one request', async () => {
    const requestId = await draftRequest();
    const results = await outcomes(Array.from({ length: 20 }, (_, i) => researcher.upload(requestId, `table-${i}.csv`, `n\n${i}\n`)));
    expect(results).toEqual(Array.from({ length: 20 }, () => ({ status: 200 })));
    expect((await researcher.getRequest(requestId)).files).toHaveLength(20);
    expect(await keysIn('draft', `requests/${requestId}/`)).toHaveLength(20);
  });

  it('lets one of 20 parallel uploads of the same name win; the rest conflict with 409 and leave nothing', async () => {
    const requestId = await draftRequest();
    const results = await outcomes(Array.from({ length: 20 }, (_, i) => researcher.upload(requestId, 'same.csv', `n\n${i}\n`)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200)).toEqual(Array.from({ length: 19 }, () => ({ status: 409, code: 'FILE_NAME_TAKEN' })));
    const { files } = await researcher.getRequest(requestId);
    expect(files).toHaveLength(1);
    expect(await keysIn('draft', `requests/${requestId}/`)).toHaveLength(1);
  });
});

describe('uploads take any content type (issue 9, finding 12)', () => {
  it.each([
    ['application/json', 'this is { not json'],
    ['application/json', '{"ward":"A","n":3}'],
    ['application/x-www-form-urlencoded', 'a=1&b=2'],
    ['text/plain', 'plain text\n'],
  ])('stores a %s upload byte for byte (%s)', async (contentType, body) => {
    const requestId = await draftRequest();
    const response = await upload(requestId, 'data.txt', body, contentType);
    expect(response.status).toBe(201);
    const { file } = (await response.json()) as { file: { sha256: string; size: number } };
    expect(file).toMatchObject({ sha256: sha256(body), size: Buffer.byteLength(body) });
    const [key] = await keysIn('draft', `requests/${requestId}/`);
    expect((await bytesOf('draft', key)).toString('utf8')).toBe(body);
  });
});

describe('file names that hide or disguise characters (issue 9, finding 12)', () => {
  it.each([
    ['right-to-left override', 'report\u202Ecsv.exe'],
    ['zero-width space', 'ta\u200Bble.csv'],
    ['byte order mark', '\uFEFFtable.csv'],
    ['left-to-right isolate', 'table\u2066.csv'],
    ['arabic letter mark', 'table\u061C.csv'],
    ['zero-width joiner', 'tab\u200Dle.csv'],
  ])('refuses a name with a %s with 400 FILE_NAME_INVISIBLE_CHARACTER', async (_what, name) => {
    const requestId = await draftRequest();
    const response = await upload(requestId, name, 'n\n1\n', 'application/octet-stream');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'FILE_NAME_INVISIBLE_CHARACTER' });
    expect(await keysIn('draft', `requests/${requestId}/`)).toEqual([]);
  });

  it('stores a decomposed (NFD) name under its NFC form, and the NFC form then conflicts as the same name', async () => {
    const nfd = 'Re\u0301sume\u0301.csv';
    const nfc = nfd.normalize('NFC');
    const requestId = await draftRequest();
    const first = await upload(requestId, nfd, 'n\n1\n', 'application/octet-stream');
    expect(first.status).toBe(201);
    expect(((await first.json()) as { file: { name: string } }).file.name).toBe(nfc);
    const second = await upload(requestId, nfc, 'n\n2\n', 'application/octet-stream');
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ code: 'FILE_NAME_TAKEN' });
  });
});

describe('aborted uploads (issue 9, finding 12)', () => {
  it('logs an upload the client abandons mid-body as UPLOAD_ABORTED, not as an internal error, and keeps nothing', async () => {
    const requestId = await draftRequest();
    const url = new URL(`${service.url}/requests/${requestId}/files/big.csv`);
    const sent = httpRequest({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': String(50 * 1024 * 1024) },
    });
    sent.on('error', () => undefined);
    sent.write(Buffer.alloc(256 * 1024, 0x61));
    await new Promise((resolve) => setTimeout(resolve, 300));
    sent.destroy();
    const aborted = await expectEventually(
      async () => {
        const line = logs.find((l) => l.code === 'UPLOAD_ABORTED' && l.requestId === requestId);
        if (!line) throw new Error('no UPLOAD_ABORTED log line yet');
        return line;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(aborted.level).toBeLessThanOrEqual(40);
    // Nothing logged at error level for it, and nothing left behind.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
    expect(await keysIn('draft', `requests/${requestId}/`)).toEqual([]);
    expect((await researcher.getRequest(requestId)).files).toEqual([]);
  });
});

describe('freeze is restartable after a failure or crash at any step (issue 9, finding 4)', () => {
  class SimulatedCrash extends Error {}
  const contents = { 'a.csv': 'ward,n\nA,120\n', 'b.csv': 'ward,n\nB,98\n', 'c.csv': 'ward,n\nC,57\n' };
  // Three copies, then three draft deletions: steps 0-5.
  const STEPS = [0, 1, 2, 3, 4, 5];

  it.each(
    STEPS.flatMap(
      (step) =>
        [
          ['fail', step],
          ['crash', step],
        ] as const,
    ),
  )('completes on retry after a %s after step %i', async (outcome, step) => {
    const requestId = await draftRequest(contents);
    const registry = new RegistryHandler(infra.eventStore, '/test');
    const person = await registry.enrich({ userId: (await researcher.getRequest(requestId)).authorId, roles: ['researcher'] });
    const plan: FaultPlan = (_s, index) => (index === step ? outcome : 'continue');
    const faulty = new FaultInjectingObjectStore(infra.store, plan, () => {
      throw new SimulatedCrash('simulated crash');
    });
    const first = new SubmitService(new RequestCommandHandler(infra.eventStore, '/test'), registry, faulty, inProcessFreezeLock(), pino({ level: 'silent' }));
    // A fault after a draft's deletion comes after the submission is recorded: that call may succeed.
    await first.submit(requestId, person).catch((error: unknown) => expect(error).toBeInstanceOf(outcome === 'crash' ? SimulatedCrash : InjectedFaultError));
    expect(faulty.stepCount).toBe(step + 1);
    // A fresh handler, as after a restart: the retry completes the freeze or, if the submission
    // was recorded, sweeps what is left and says the request is already submitted.
    const retry = new SubmitService(
      new RequestCommandHandler(infra.eventStore, '/test'),
      registry,
      infra.store,
      inProcessFreezeLock(),
      pino({ level: 'silent' }),
    );
    await retry.submit(requestId, person).catch((error: { code?: string }) => expect(error.code).toBe('WRONG_STATE'));
    await expectFrozen(requestId, contents);
  });
});
