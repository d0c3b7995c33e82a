import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Topics, type EventEnvelope } from '@airlock/contracts';
import type { RequestState } from '@airlock/domain';
import type { RequestCommandHandler } from '@airlock/application';
import { S3ObjectStore, STAGES, type ObjectStore, type Stage } from '@airlock/storage';
import { realStack } from '@airlock/testing';
import { faultyAfter } from '@airlock/testing-moves';
import { AccessLog } from '@airlock/access-log';
import pino from 'pino';
import { anEnvelope, freshAuditSchema, type AuditSchema } from '../audit.test-kit';
import { RetentionSweeper } from './retention-sweeper';

// Real PostgreSQL (a schema of our own) and the real S3 server (buckets of our own). The request
// state comes from a hand-written `load`: retention reads a folded request, not how it was built.
jest.setTimeout(60_000);

const DAY = 24 * 3600 * 1000;
const prefix = `ret-${Date.now().toString(36)}-`;
const buckets = Object.fromEntries(STAGES.map((s) => [s, `${prefix}${s}`])) as Record<Stage, string>;
const stack = realStack();
const s3Config = {
  endpoint: stack.s3.endpoint,
  region: stack.s3.region,
  forcePathStyle: true,
  credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
};
const store = new S3ObjectStore({
  endpoint: stack.s3.endpoint,
  region: stack.s3.region,
  forcePathStyle: true,
  accessKeyId: stack.s3.accessKeyId,
  secretAccessKey: stack.s3.secretAccessKey,
  buckets,
});
const now = new Date('2026-11-28T12:00:00.000Z');

let audit: AuditSchema;
const requests = new Map<string, { state: RequestState; envelopes: EventEnvelope[] }>();
const loader: Pick<RequestCommandHandler, 'load'> = {
  async load(requestId) {
    const found = requests.get(requestId);
    return found ? { ...found, version: found.envelopes.length } : { state: { status: 'none' }, version: 0, envelopes: [] };
  },
};

beforeAll(async () => {
  audit = await freshAuditSchema('audit_retention');
  await store.ensureBuckets();
});

afterAll(async () => {
  await audit?.dispose();
  const s3 = new S3Client(s3Config);
  for (const bucket of Object.values(buckets)) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    for (const o of listed.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  }
  s3.destroy();
});

async function put(stage: Stage, key: string, text: string) {
  return store.putStream(stage, key, Readable.from([Buffer.from(text)]), { maxBytes: 1024 });
}

/** A request that ended `daysAgo` days ago, as the audit log and the event store would show it. */
async function endedRequest(status: 'released' | 'rejected' | 'blocked', daysAgo: number, files: Record<string, unknown>[]) {
  const requestId = randomUUID();
  const terminal = anEnvelope({ subject: requestId, type: `airlock.request.${status}.v1`, time: new Date(now.getTime() - daysAgo * DAY).toISOString() });
  await audit.repository().append({ topic: Topics.requestEvents, envelope: terminal, recordedAt: terminal.time });
  const state = { status, requestId, projectId: 'proj-r', files } as unknown as RequestState;
  requests.set(requestId, { state, envelopes: [terminal] });
  return requestId;
}

function sweeper(retention = { released: 30, rejected: 30, blocked: 30 }, on: ObjectStore = store) {
  return new RetentionSweeper({
    db: audit.owner,
    store: on,
    requests: loader,
    accessLog: new AccessLog(audit.owner, { source: '/airlock/audit' }),
    retention,
    logger: pino({ level: 'silent' }),
    clock: () => now,
  });
}

type Deleted = {
  data: {
    outcome: string;
    reasonCode: string;
    requestId: string;
    file: { stage: string; key: string; sha256: string; versionId: string | null; size?: number };
  };
};
async function deletionsOf(requestId: string): Promise<Deleted[]> {
  const { rows } = await audit.owner.query<{ payload: Deleted }>(
    `SELECT payload FROM outbox WHERE topic = $1 AND key = $2 AND payload->>'type' = 'airlock.access.object-deleted.v1' ORDER BY id`,
    [Topics.accessEvents, requestId],
  );
  return rows.map((r) => r.payload);
}

describe('the retention sweep', () => {
  it('deletes expired released and blocked files and records each deletion with key, version and hash', async () => {
    const released = await put('released', `requests/${randomUUID()}/table.csv`, 'a,b\n1,2\n');
    const releasedId = await endedRequest('released', 31, [{ fileId: 'f1', name: 'table.csv', sha256: released.sha256, releasedKey: released.key }]);
    const infected = await put('blocked', `requests/${randomUUID()}/notes.csv`, 'bad');
    const sibling = await put('quarantine', `requests/${randomUUID()}/clean.csv`, 'ok');
    const blockedId = await endedRequest('blocked', 40, [
      { fileId: 'f1', name: 'notes.csv', sha256: infected.sha256, blockedKey: infected.key, quarantineKey: 'q/ignored' },
      { fileId: 'f2', name: 'clean.csv', sha256: sibling.sha256, quarantineKey: sibling.key },
    ]);
    const recent = await put('released', `requests/${randomUUID()}/recent.csv`, 'x');
    const recentId = await endedRequest('released', 5, [{ fileId: 'f1', name: 'recent.csv', sha256: recent.sha256, releasedKey: recent.key }]);

    expect(await sweeper().sweep()).toEqual({ requests: 2, deleted: 3, failed: 0 });

    expect(await store.head('released', released.key)).toBeUndefined();
    expect(await store.head('blocked', infected.key)).toBeUndefined();
    expect(await store.head('quarantine', sibling.key)).toBeUndefined();
    expect(await store.head('released', recent.key)).toBeDefined();
    expect(await deletionsOf(releasedId)).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({
          action: 'retention.delete',
          outcome: 'succeeded',
          reasonCode: 'RETENTION_EXPIRED',
          requestId: releasedId,
          projectId: 'proj-r',
          file: {
            fileId: 'f1',
            name: 'table.csv',
            stage: 'released',
            key: released.key,
            sha256: released.sha256,
            versionId: released.versionId ?? null,
            size: released.size,
          },
          details: expect.objectContaining({ retentionDays: 30, terminalStatus: 'released' }),
        }),
      }),
    ]);
    expect((await deletionsOf(blockedId)).map((d) => d.data.file.stage)).toEqual(['blocked', 'quarantine']);
    expect(await deletionsOf(recentId)).toEqual([]);
  });

  it('adds nothing when it runs again', async () => {
    const object = await put('released', `requests/${randomUUID()}/again.csv`, 'again');
    const requestId = await endedRequest('released', 60, [{ fileId: 'f1', name: 'again.csv', sha256: object.sha256, releasedKey: object.key }]);
    await sweeper().sweep();
    await sweeper().sweep();
    expect(await deletionsOf(requestId)).toHaveLength(1);
  });

  it('still records a deletion done just before a crash, from the intent it wrote first', async () => {
    const object = await put('released', `requests/${randomUUID()}/crash.csv`, 'crash');
    const requestId = await endedRequest('released', 60, [{ fileId: 'f1', name: 'crash.csv', sha256: object.sha256, releasedKey: object.key }]);
    // What a crash between the delete and its record leaves behind.
    await audit.owner.query(
      `INSERT INTO audit_retention_deletions (stage, object_key, request_id, file_id, sha256, version_id, size, state) VALUES ('released', $1, $2, 'f1', $3, $4, $5, 'deleting')`,
      [object.key, requestId, object.sha256, object.versionId ?? null, object.size],
    );
    await store.delete('released', object.key);
    await sweeper().sweep();
    expect(await deletionsOf(requestId)).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({ outcome: 'succeeded', file: expect.objectContaining({ key: object.key, sha256: object.sha256 }) }),
      }),
    ]);
  });

  it('keeps bytes that are not the ones the request recorded, and says so', async () => {
    const object = await put('released', `requests/${randomUUID()}/swapped.csv`, 'swapped');
    const requestId = await endedRequest('released', 60, [{ fileId: 'f1', name: 'swapped.csv', sha256: 'e'.repeat(64), releasedKey: object.key }]);
    expect(await sweeper().sweep()).toMatchObject({ failed: 1 });
    expect(await store.head('released', object.key)).toBeDefined();
    expect(await deletionsOf(requestId)).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ outcome: 'failed', reasonCode: 'HASH_MISMATCH' }) }),
    ]);
  });

  it('records a file that was already gone', async () => {
    const requestId = await endedRequest('rejected', 60, [
      { fileId: 'f1', name: 'gone.csv', sha256: 'f'.repeat(64), quarantineKey: `requests/${randomUUID()}/gone.csv` },
    ]);
    await sweeper().sweep();
    expect(await deletionsOf(requestId)).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({ outcome: 'failed', reasonCode: 'OBJECT_ALREADY_ABSENT', file: expect.objectContaining({ stage: 'quarantine' }) }),
      }),
    ]);
  });

  it.each(['crash', 'fail'] as const)('finishes after a %s after each delete, with each deletion recorded once', async (outcome) => {
    for (const step of [0, 1]) {
      const infected = await put('blocked', `requests/${randomUUID()}/bad.csv`, `bad ${step}`);
      const sibling = await put('quarantine', `requests/${randomUUID()}/ok.csv`, `ok ${step}`);
      const requestId = await endedRequest('blocked', 40, [
        { fileId: 'f1', name: 'bad.csv', sha256: infected.sha256, blockedKey: infected.key, quarantineKey: 'q/ignored' },
        { fileId: 'f2', name: 'ok.csv', sha256: sibling.sha256, quarantineKey: sibling.key },
      ]);
      await expect(sweeper(undefined, faultyAfter(store, step, outcome)).sweep()).rejects.toThrow();
      await sweeper().sweep();
      expect(await store.head('blocked', infected.key)).toBeUndefined();
      expect(await store.head('quarantine', sibling.key)).toBeUndefined();
      const deletions = await deletionsOf(requestId);
      expect(deletions.map((d) => [d.data.file.key, d.data.outcome])).toEqual([
        [infected.key, 'succeeded'],
        [sibling.key, 'succeeded'],
      ]);
    }
  });
});
