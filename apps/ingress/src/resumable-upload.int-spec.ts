import 'reflect-metadata';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '@airlock/config';
import type { Actor } from '@airlock/domain';
import { InProcessMessageBus } from '@airlock/messaging';
import { DEFAULT_PROJECT_POLICY, RegistryHandler, RequestCommandHandler } from '@airlock/application';
import { buildInfra, type Infra } from '@airlock/runtime';
import { isResumableUploadStore } from '@airlock/storage';
import { AirlockClient, realStack, startTestIdentityProvider, uniqueId, type TestIdentityProvider } from '@airlock/testing';
import type { RunningHttpService } from '@airlock/http';
import pino from 'pino';
import { DraftSweeper } from './draft-sweeper';
import { startIngress } from './ingress.app';

// Resumable uploads (issue 13) in ingress in this process, on the real PostgreSQL and S3 server:
// a part cut off mid-body is not stored and the upload resumes from the confirmed parts; the
// assembled object joins the request only with the SHA-256 declared at the start; bad parts get
// 4xx; only the author may upload; abandoned uploads are aborted by the draft sweeper, audited.
jest.setTimeout(180_000);

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const ADMIN: Actor = { userId: 'admin-resumable', roles: ['administrator'] };
const hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const b64 = (data: Buffer) => createHash('sha256').update(data).digest('base64');

type Session = { uploadId: string; partSize: number; partCount: number; parts: { partNumber: number; size: number }[]; bytesConfirmed: number; sha256: string };

let idp: TestIdentityProvider;
let infra: Infra;
let service: RunningHttpService;
let researcher: AirlockClient;
let s3: S3Client;
let project: string;
let token: string;
let strangerToken: string;

beforeAll(async () => {
  idp = await startTestIdentityProvider({ issuer: 'https://idp.resumable-int.test', audience: 'airlock' });
  const config = loadConfig({
    ...process.env,
    AIRLOCK_OIDC_ISSUER: idp.issuer,
    AIRLOCK_OIDC_AUDIENCE: idp.audience,
    AIRLOCK_OIDC_JWKS_URL: idp.jwksUrl,
    AIRLOCK_INGRESS_PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
    AIRLOCK_HOST: '127.0.0.1',
    AIRLOCK_S3_BUCKET_PREFIX: 'airlock-',
    AIRLOCK_UPLOAD_PART_BYTES: String(PART),
  });
  const logger = pino({ level: 'silent' });
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
  const registry = new RegistryHandler(infra.eventStore, '/test');
  await registry.execute((at) => ({ type: 'CreateProject', actor: ADMIN, at, data: { projectId: project, name: project, policy: DEFAULT_PROJECT_POLICY } }));
  const people: string[] = [];
  for (const role of ['researcher', 'stranger']) {
    const userId = uniqueId(role);
    people.push(userId);
    await registry.execute((at) => ({ type: 'AddMember', actor: ADMIN, at, data: { projectId: project, userId } }));
    await registry.execute((at) => ({
      type: 'GrantAccreditation',
      actor: ADMIN,
      at,
      data: { userId, expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    }));
  }
  token = await idp.token(people[0], ['researcher']);
  strangerToken = await idp.token(people[1], ['researcher']);
  researcher = new AirlockClient({ ingress: service.url, egressReview: '', audit: '' }, token);
});

afterAll(async () => {
  await service?.close();
  await infra?.close();
  await idp?.stop();
  s3?.destroy();
});

async function draftRequest() {
  const { requestId } = await researcher.createRequest(project, 'Admissions in parts');
  await researcher.defineGroup(requestId, 'outputs', 'Admissions by ward', 'Cells under 10 suppressed');
  return requestId;
}

async function call(method: string, path: string, options: { body?: unknown; raw?: Buffer; headers?: Record<string, string>; as?: string } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${options.as ?? token}`, ...options.headers };
  let body: RequestInit['body'];
  if (options.raw) {
    headers['content-type'] = 'application/octet-stream';
    body = options.raw;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${service.url}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

const start = (requestId: string, file: Buffer, extra: Record<string, unknown> = {}, as?: string) =>
  call('POST', `/requests/${requestId}/uploads`, { body: { name: 'big.csv', size: file.length, sha256: hex(file), ...extra }, as });
const putPart = (requestId: string, uploadId: string, n: number, bytes: Buffer, digest = `sha-256=:${b64(bytes)}:`) =>
  call('PUT', `/requests/${requestId}/uploads/${uploadId}/parts/${n}`, { raw: bytes, headers: { 'content-digest': digest } });
const partOf = (file: Buffer, n: number) => file.subarray((n - 1) * PART, n * PART);

/** Sends the first `sent` bytes of a part and then drops the connection, as a lost network does. */
function cutPart(requestId: string, uploadId: string, n: number, bytes: Buffer, sent: number): Promise<void> {
  return new Promise((resolve) => {
    const url = new URL(`${service.url}/requests/${requestId}/uploads/${uploadId}/parts/${n}`);
    const req = httpRequest(url, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/octet-stream',
        'content-length': String(bytes.length),
        'content-digest': `sha-256=:${b64(bytes)}:`,
      },
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.write(bytes.subarray(0, sent), () => setTimeout(() => req.destroy(), 200));
  });
}

async function keysIn(stage: string, prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: `airlock-${stage}`, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key as string);
}

async function openUploadsUnder(prefix: string): Promise<number> {
  const out = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'airlock-draft', Prefix: prefix }));
  return (out.Uploads ?? []).length;
}

describe('resumable uploads (issue 13)', () => {
  it('resumes after a part is cut off mid-body: only confirmed parts are listed, and the file joins with its SHA-256', async () => {
    const requestId = await draftRequest();
    const file = randomBytes(2 * PART + 12_345);
    const started = await start(requestId, file);
    expect(started.status).toBe(201);
    const session = started.body as unknown as Session;
    expect(session).toMatchObject({ partSize: PART, partCount: 3, parts: [], bytesConfirmed: 0, sha256: hex(file) });

    expect((await putPart(requestId, session.uploadId, 1, partOf(file, 1))).body).toMatchObject({ partNumber: 1, size: PART, sha256: hex(partOf(file, 1)) });
    await cutPart(requestId, session.uploadId, 2, partOf(file, 2), 2 * MiB);

    // The client comes back: it finds its upload and learns which parts the store confirmed.
    const listed = await call('GET', `/requests/${requestId}/uploads`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([
      expect.objectContaining({ uploadId: session.uploadId, name: 'big.csv', parts: [{ partNumber: 1, size: PART }], bytesConfirmed: PART }),
    ]);

    for (const n of [2, 3]) expect((await putPart(requestId, session.uploadId, n, partOf(file, n))).status).toBe(200);
    const resumed = await call('GET', `/requests/${requestId}/uploads/${session.uploadId}`);
    expect(resumed.body).toMatchObject({ bytesConfirmed: file.length, parts: [{ partNumber: 1 }, { partNumber: 2 }, { partNumber: 3 }] });

    const completed = await call('POST', `/requests/${requestId}/uploads/${session.uploadId}/complete`, { body: { sha256: hex(file) } });
    expect(completed.status).toBe(201);
    expect(completed.body['file']).toMatchObject({ fileId: session.uploadId, name: 'big.csv', sha256: hex(file), size: file.length });
    const request = await researcher.getRequest(requestId);
    expect(request.files.map((f) => [f.name, f.sha256])).toEqual([['big.csv', hex(file)]]);
    // Completing again (a retry whose first answer was lost) answers the same and records nothing twice.
    const again = await call('POST', `/requests/${requestId}/uploads/${session.uploadId}/complete`, { body: { sha256: hex(file) } });
    expect(again).toMatchObject({ status: 201, body: { file: { fileId: session.uploadId, sha256: hex(file) } } });
    expect((await researcher.getRequest(requestId)).files).toHaveLength(1);

    // The draft holds exactly the bytes sent; the manifest and the multipart upload are gone.
    expect(await keysIn('draft', `requests/${requestId}/`)).toEqual([`requests/${requestId}/draft/${session.uploadId}`]);
    const object = await s3.send(new GetObjectCommand({ Bucket: 'airlock-draft', Key: `requests/${requestId}/draft/${session.uploadId}` }));
    expect(hex(Buffer.from(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()))).toBe(hex(file));
    expect(await openUploadsUnder(`requests/${requestId}/`)).toBe(0);
    expect((await call('GET', `/requests/${requestId}/uploads`)).body).toEqual([]);

    // The file submits and freezes like a streamed upload.
    await researcher.submit(requestId);
    const { state } = await new RequestCommandHandler(infra.eventStore, '/test').load(requestId);
    if (state.status === 'none') throw new Error('request missing');
    expect(state.files[0]).toMatchObject({ sha256: hex(file), quarantineKey: expect.any(String) });
  });

  it('refuses an assembled file whose SHA-256 is not the declared one with 422, and nothing joins the request', async () => {
    const requestId = await draftRequest();
    const file = randomBytes(PART + 100);
    const declared = hex(Buffer.concat([file.subarray(0, file.length - 1), Buffer.from([file[file.length - 1] ^ 1])]));
    const session = (await start(requestId, file, { sha256: declared })).body as unknown as Session;
    for (const n of [1, 2]) expect((await putPart(requestId, session.uploadId, n, partOf(file, n))).status).toBe(200);

    const completed = await call('POST', `/requests/${requestId}/uploads/${session.uploadId}/complete`);
    expect(completed).toMatchObject({ status: 422, body: { code: 'HASH_MISMATCH', sha256: hex(file) } });
    expect((await researcher.getRequest(requestId)).files).toEqual([]);
    expect(await keysIn('draft', `requests/${requestId}/`)).toEqual([]);
    expect((await call('GET', `/requests/${requestId}/uploads/${session.uploadId}`)).status).toBe(404);
  });

  it('answers bad parts with 4xx and stores none of them', async () => {
    const requestId = await draftRequest();
    const file = randomBytes(PART + 10);
    const { uploadId } = (await start(requestId, file)).body as unknown as Session;
    const part1 = partOf(file, 1);
    const wrong = `sha-256=:${b64(Buffer.from('something else'))}:`;
    expect((await putPart(requestId, uploadId, 1, part1, wrong)).body).toMatchObject({ code: 'PART_DIGEST_MISMATCH' });
    expect((await putPart(requestId, uploadId, 1, part1, 'md5=:abc:')).body).toMatchObject({ code: 'INVALID_DIGEST' });
    expect((await call('PUT', `/requests/${requestId}/uploads/${uploadId}/parts/1`, { raw: part1 })).body).toMatchObject({ code: 'DIGEST_REQUIRED' });
    expect(await putPart(requestId, uploadId, 3, part1)).toMatchObject({ status: 400, body: { code: 'INVALID_PART_NUMBER' } });
    expect(await putPart(requestId, uploadId, 0, part1)).toMatchObject({ status: 400, body: { code: 'INVALID_PART_NUMBER' } });
    expect(await putPart(requestId, uploadId, 1, part1.subarray(0, 1000))).toMatchObject({ status: 400, body: { code: 'PART_SIZE_MISMATCH' } });
    expect(await putPart(requestId, uploadId, 2, Buffer.concat([partOf(file, 2), Buffer.alloc(50)]))).toMatchObject({
      status: 413,
      body: { code: 'PART_TOO_LARGE' },
    });
    expect((await call('GET', `/requests/${requestId}/uploads/${uploadId}`)).body).toMatchObject({ parts: [], bytesConfirmed: 0 });

    const incomplete = await call('POST', `/requests/${requestId}/uploads/${uploadId}/complete`);
    expect(incomplete).toMatchObject({ status: 409, body: { code: 'UPLOAD_INCOMPLETE', missingParts: [1, 2] } });
    expect(await call('GET', `/requests/${requestId}/uploads/not-an-upload`)).toMatchObject({ status: 404, body: { code: 'UPLOAD_NOT_FOUND' } });
    expect(await start(requestId, file, { sha256: 'xyz' })).toMatchObject({ status: 400 });
    expect(await start(requestId, file, { sha256: undefined })).toMatchObject({ status: 400, body: { code: 'INVALID_BODY' } });
    expect(await start(requestId, Buffer.alloc(0))).toMatchObject({ status: 400, body: { code: 'EMPTY_FILE' } });
    expect(await start(requestId, file, { size: 10 * 1024 ** 4 })).toMatchObject({ status: 413, body: { code: 'UPLOAD_TOO_LARGE' } });
  });

  it('is for the author alone, on a request that takes files, like a streamed upload; abort removes the parts', async () => {
    const requestId = await draftRequest();
    const file = randomBytes(1000);
    expect(await start(requestId, file, {}, strangerToken)).toMatchObject({ status: 403, body: { code: 'NOT_AUTHOR' } });
    expect(await start(requestId, file, { group: 'undefined-group' })).toMatchObject({ status: 422, body: { code: 'UNKNOWN_GROUP' } });
    const { uploadId } = (await start(requestId, file)).body as unknown as Session;
    expect(await call('GET', `/requests/${requestId}/uploads/${uploadId}`, { as: strangerToken })).toMatchObject({ status: 403 });
    expect(await call('GET', `/requests/${requestId}/uploads`, { as: strangerToken })).toMatchObject({ status: 403 });
    expect(await call('DELETE', `/requests/${requestId}/uploads/${uploadId}`, { as: strangerToken })).toMatchObject({ status: 403 });
    expect((await putPart(requestId, uploadId, 1, file)).status).toBe(200);
    expect(await openUploadsUnder(`requests/${requestId}/`)).toBe(1);

    expect((await call('DELETE', `/requests/${requestId}/uploads/${uploadId}`)).status).toBe(204);
    expect(await openUploadsUnder(`requests/${requestId}/`)).toBe(0);
    expect(await keysIn('draft', `requests/${requestId}/`)).toEqual([]);
    expect((await call('GET', `/requests/${requestId}/uploads/${uploadId}`)).status).toBe(404);

    // Once submitted the request takes no file, in parts or whole.
    await researcher.upload(requestId, 'small.csv', 'n\n1\n');
    const second = (await start(requestId, file, { name: 'late.csv' })).body as unknown as Session;
    await researcher.submit(requestId);
    expect(await start(requestId, file, { name: 'later.csv' })).toMatchObject({ status: 409, body: { code: 'WRONG_STATE' } });
    expect(await putPart(requestId, second.uploadId, 1, file)).toMatchObject({ status: 409, body: { code: 'WRONG_STATE' } });
  });

  it('aborts uploads abandoned past the expiry, deletes their manifests, and audits the sweep', async () => {
    const requestId = await draftRequest();
    const file = randomBytes(PART + 1);
    const { uploadId } = (await start(requestId, file)).body as unknown as Session;
    expect((await putPart(requestId, uploadId, 1, partOf(file, 1))).status).toBe(200);
    const store = infra.store;
    if (!isResumableUploadStore(store)) throw new Error('the S3 store takes uploads in parts');
    const logger = pino({ level: 'silent' });
    const requests = new RequestCommandHandler(infra.eventStore, '/test');
    const sweeper = (now: Date) =>
      new DraftSweeper({ store, requests, logger, graceMs: 3_600_000, uploads: store, uploadExpiryMs: 3_600_000, audit: infra.accessLog, clock: () => now });

    // Within the expiry the upload stays.
    await sweeper(new Date()).sweep();
    expect((await call('GET', `/requests/${requestId}/uploads/${uploadId}`)).body).toMatchObject({ bytesConfirmed: PART });

    const summary = await sweeper(new Date(Date.now() + 2 * 3_600_000)).sweep();
    expect(summary.uploadsAborted).toBeGreaterThanOrEqual(1);
    expect(summary.manifestsDeleted).toBeGreaterThanOrEqual(1);
    expect(await openUploadsUnder(`requests/${requestId}/`)).toBe(0);
    expect(await keysIn('draft', `requests/${requestId}/`)).toEqual([]);
    expect((await call('GET', `/requests/${requestId}/uploads/${uploadId}`)).status).toBe(404);

    const rows = await infra.db.query<{ payload: { data: Record<string, unknown> } }>(
      "SELECT payload FROM outbox WHERE payload->>'type' = 'airlock.access.drafts-swept.v1' ORDER BY id DESC LIMIT 1",
    );
    const payload = typeof rows.rows[0].payload === 'string' ? JSON.parse(rows.rows[0].payload) : rows.rows[0].payload;
    expect(payload.data).toMatchObject({
      action: 'drafts.sweep',
      details: { uploadsAborted: summary.uploadsAborted, manifestsDeleted: summary.manifestsDeleted },
    });
  });
});
