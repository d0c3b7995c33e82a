import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { AuthError, type TokenVerifier } from '@airlock/auth';
import { Topics, requestEnvelope, requestStreamId } from '@airlock/contracts';
import { createDb, runMigrations, type Db } from '@airlock/database';
import { DEFAULT_APPROVAL_POLICY, type Actor, type RequestEvent } from '@airlock/domain';
import { PostgresEventStore, eventStoreMigrations } from '@airlock/event-store';
import { createMetrics, startHttpService, type RunningHttpService } from '@airlock/http';
import { RegistryHandler, RequestCommandHandler } from '@airlock/application';
import { LocalDiskObjectStore, StorageUnavailableError, type Stage } from '@airlock/storage';
import { realStack, uniqueId } from '@airlock/testing';
import pino from 'pino';
import { IngressModule } from './ingress.module';
import { UploadService } from './upload.service';
import { SubmitService, inProcessFreezeLock } from './submit.service';

// Issue 9, finding 10b: a single-use download link is used up only once the object's stream
// has opened, so a storage error leaves it usable; and of two racing uses only one gets the bytes.

const SOURCE = '/airlock/ingress';
const schema = uniqueId('downloads').replace(/-/g, '_');
const logger = pino({ level: 'silent' });
const AUTHOR = 'rita';
const BYTES = Buffer.from('ward,admissions\nA,120\nB,95\n');
const SHA256 = createHash('sha256').update(BYTES).digest('hex');

/** The local-disk store, whose next `failures` opens of a stream fail as an unreachable S3 would. */
class FlakyStore extends LocalDiskObjectStore {
  failures = 0;
  override async getStream(stage: Stage, key: string): Promise<Readable> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new StorageUnavailableError(`download of ${stage}/${key}: connection reset`);
    }
    return super.getStream(stage, key);
  }
}

// Downloads need no token (the link is the authority); no other route is called here.
const NO_TOKENS: TokenVerifier = { verify: async () => Promise.reject(new AuthError('TOKEN_INVALID', 'no tokens in this test')) };

let admin: Db;
let db: Db;
let dir: string;
let store: FlakyStore;
let eventStore: PostgresEventStore;
let service: RunningHttpService;

/** A released request of one file, with one download link issued to its author; returns the link's path. */
async function releasedWithLink(): Promise<string> {
  const requestId = randomUUID();
  const fileId = randomUUID();
  const linkId = randomUUID();
  const releasedKey = `requests/${requestId}/turn-1/${fileId}/admissions.csv`;
  await store.putStream('released', releasedKey, Readable.from([BYTES]), { maxBytes: 1024 });
  const at = new Date().toISOString();
  const file = { fileId, name: 'admissions.csv', group: 'outputs', kind: 'output' as const, sha256: SHA256, size: BYTES.length };
  const events: RequestEvent[] = [
    { type: 'RequestCreated', data: { requestId, projectId: 'proj-1', title: 'Admissions', authorId: AUTHOR, createdAt: at } },
    { type: 'FileUploaded', data: { requestId, ...file, draftKey: `draft/${fileId}`, uploadedAt: at } },
    {
      type: 'RequestSubmitted',
      data: {
        requestId,
        turn: 1,
        files: [{ ...file, quarantineKey: `q/${fileId}` }],
        policy: DEFAULT_APPROVAL_POLICY,
        disclosure: {},
        carriedVotes: [],
        groups: [{ group: 'outputs', context: 'Admissions', controls: 'None' }],
        submittedBy: AUTHOR,
        submittedAt: at,
      },
    },
    { type: 'FileReleased', data: { requestId, turn: 1, fileId, sha256: SHA256, releasedKey, releasedAt: at } },
    { type: 'RequestReleased', data: { requestId, turn: 1, releasedAt: at } },
    {
      type: 'DownloadLinkIssued',
      data: { requestId, fileId, linkId, issuedTo: AUTHOR, expiresAt: new Date(Date.now() + 600_000).toISOString(), issuedAt: at },
    },
  ];
  const actor: Actor = { userId: 'system', roles: ['system'] };
  const envelopes = events.map((event) =>
    requestEnvelope(event, requestId, { id: randomUUID(), source: SOURCE, time: at, actor, correlationId: randomUUID() }),
  );
  await eventStore.appendToStream(requestStreamId(requestId), 0, envelopes, { topic: Topics.requestEvents, key: requestId });
  return `/downloads/${requestId}.${linkId}`;
}

beforeAll(async () => {
  admin = createDb({ url: realStack().databaseUrl, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  // A schema of our own and no outbox relay: these events never reach the shared Kafka topics.
  db = createDb({ url: realStack().databaseUrl, max: 4, schema });
  await runMigrations(db, eventStoreMigrations);
  eventStore = new PostgresEventStore(db);
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-downloads-'));
  store = new FlakyStore(dir);
  await store.ensureBuckets();
  const requests = new RequestCommandHandler(eventStore, SOURCE);
  const registry = new RegistryHandler(eventStore, SOURCE);
  const root: Actor = { userId: 'root', roles: ['administrator'] };
  await registry.execute((at) => ({
    type: 'GrantAccreditation',
    actor: root,
    at,
    data: { userId: AUTHOR, expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
  }));
  const uploads = new UploadService(requests, store, { maxUploadBytes: 1024 }, logger);
  const module = IngressModule.forRoot({
    deps: {
      requests,
      registry,
      store,
      uploads,
      submits: new SubmitService(requests, registry, store, inProcessFreezeLock(), logger),
      links: { ttlSeconds: 600, publicUrl: 'http://127.0.0.1' },
      clock: () => new Date(),
    },
    tokens: NO_TOKENS,
    metrics: createMetrics(`ingress_downloads_${randomUUID().slice(0, 8)}`),
    readiness: [],
  });
  service = await startHttpService({
    module,
    host: '127.0.0.1',
    port: 0,
    logger,
    metrics: createMetrics(`ingress_downloads_http_${randomUUID().slice(0, 8)}`),
  });
});

afterAll(async () => {
  await service?.close();
  await db?.close();
  await admin?.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a single-use download link', () => {
  it('stays usable when the storage fails to open the object', async () => {
    const link = await releasedWithLink();
    store.failures = 1;
    const failed = await fetch(`${service.url}${link}`);
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { code: string }).code).toBe('STORAGE_UNAVAILABLE');

    const retried = await fetch(`${service.url}${link}`);
    expect(retried.status).toBe(200);
    expect(Buffer.from(await retried.arrayBuffer()).equals(BYTES)).toBe(true);
    expect(retried.headers.get('x-content-sha256')).toBe(SHA256);

    const again = await fetch(`${service.url}${link}`);
    expect(again.status).toBe(410);
    expect(((await again.json()) as { code: string }).code).toBe('LINK_USED');
  });

  it('gives the bytes to exactly one of two racing uses; the other gets 410 LINK_USED', async () => {
    const link = await releasedWithLink();
    const answers = await Promise.all([1, 2].map(() => fetch(`${service.url}${link}`)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 410]);
    const winner = answers.find((a) => a.status === 200);
    expect(Buffer.from(await (winner as Response).arrayBuffer()).equals(BYTES)).toBe(true);
    const loser = answers.find((a) => a.status === 410);
    expect(((await (loser as Response).json()) as { code: string }).code).toBe('LINK_USED');
  });
});
