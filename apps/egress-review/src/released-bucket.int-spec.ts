import { randomUUID } from 'node:crypto';
import { requestStreamId, Topics, wireType } from '@airlock/contracts';
import { AccessLog } from '@airlock/access-log';
import { FaultInjectingObjectStore, type ObjectRef, type ObjectStore, type StoredObject } from '@airlock/storage';
import {
  appendRequestEvents,
  messageOf,
  movesHarness,
  putText,
  sha256Hex,
  submittedRequestEvents,
  type MovesHarness,
  TWO_TABLES,
  ADMIN_ACTOR,
} from '@airlock/testing-moves';
import pino from 'pino';
import { OrphanRemover } from './orphan-remover';
import { ReleasedReconciler } from './released-reconciler';
import { releasedPrefix, ReleaseWorker } from './release.worker';
import { RevocationWorker } from './revocation.worker';

// docs/design.md invariant 7 on the real S3 server and PostgreSQL: the released bucket holds exactly
// the files the event log says are released.
jest.setTimeout(120_000);

const logger = pino({ level: 'silent' });
const FILES = TWO_TABLES;
const ADMIN = ADMIN_ACTOR;
let h: MovesHarness;

beforeAll(async () => {
  h = await movesHarness('released_bucket');
});
afterAll(() => h?.dispose());

/** A store that runs `before` ahead of each copy into the released bucket (to interleave a revocation). */
class InterleavingStore extends FaultInjectingObjectStore {
  constructor(
    inner: ObjectStore,
    private readonly before: (to: ObjectRef) => Promise<void>,
  ) {
    super(inner, () => 'continue');
  }
  override async copy(from: ObjectRef, to: ObjectRef, expectedSha256: string): Promise<StoredObject> {
    if (to.stage === 'released') await this.before(to);
    return super.copy(from, to, expectedSha256);
  }
}

/** A store whose copy reports a hash other than the one asked for (a verification the domain must catch). */
class MisreportingStore extends FaultInjectingObjectStore {
  constructor(inner: ObjectStore) {
    super(inner, () => 'continue');
  }
  override async copy(from: ObjectRef, to: ObjectRef, expectedSha256: string): Promise<StoredObject> {
    return { ...(await super.copy(from, to, expectedSha256)), sha256: 'e'.repeat(64) };
  }
}

const orphans = (store: ObjectStore = h.store) => new OrphanRemover(store, (newId) => new AccessLog(h.db, { source: '/test', newId }), logger);
const release = (store: ObjectStore) => new ReleaseWorker(h.requests(), store, h.consumer('release'), logger, orphans(store));
const revocation = () => new RevocationWorker(h.requests(), h.store, h.consumer('revocation'), logger, orphans());
const reconciler = () => new ReleasedReconciler({ db: h.db, store: h.store, orphans: orphans(), logger, graceMs: 0 });

async function approved(direction: 'export' | 'import' = 'export') {
  const requestId = randomUUID();
  const { events, keys } = submittedRequestEvents(requestId, FILES, 'approved');
  // An import (docs/adr/0012-imports.md): the same stream, created with the other direction.
  if (direction === 'import') events[0] = { ...events[0], data: { ...events[0].data, direction } } as (typeof events)[0];
  for (const f of FILES) await putText(h.store, 'quarantine', keys[f.fileId], f.content);
  const stored = await appendRequestEvents(h.events, requestId, events);
  return { requestId, message: messageOf(stored[stored.length - 1]) };
}

async function revoke(requestId: string): Promise<void> {
  await h.requests().execute(requestId, (_s, at) => ({ type: 'Revoke', actor: ADMIN, at, data: { reason: 'disclosive' } }));
  const { events } = await h.events.readStream(requestStreamId(requestId));
  await revocation().onMessage(messageOf(events[events.length - 1]));
}

async function removals(key: string) {
  const { rows } = await h.db.query<{ payload: { type: string; data: { reasonCode: string; file: { key: string; sha256: string } } } }>(
    `SELECT payload FROM outbox WHERE topic = $1 AND payload->>'type' = 'airlock.access.orphan-removed.v1' AND payload->'data'->'file'->>'key' = $2`,
    [Topics.accessEvents, key],
  );
  return rows.map((r) => r.payload.data);
}

describe('revocation racing a release', () => {
  it.each([
    ['before the first copy', 0],
    ['between the two copies', 1],
  ])('leaves nothing in released when the revocation completes %s', async (_when, copiesBefore) => {
    const { requestId, message } = await approved();
    let copies = 0;
    const store = new InterleavingStore(h.store, async () => {
      if (copies++ === copiesBefore) await revoke(requestId);
    });
    await release(store).onMessage(message);
    expect((await h.requests().load(requestId)).state.status).toBe('revoked');
    expect(await h.store.list('released', releasedPrefix(requestId))).toEqual([]);
    // The revocation delivered again after the release finished also finds nothing left.
    const { events } = await h.events.readStream(requestStreamId(requestId));
    expect(events.filter((e) => e.type === wireType('FileReleased')).length).toBe(copiesBefore);
  });
});

describe('the release hash check', () => {
  it('fails the release when the copy verifies to a hash other than the frozen one', async () => {
    const { requestId, message } = await approved();
    await release(new MisreportingStore(h.store)).onMessage(message);
    const { state, envelopes } = await h.requests().load(requestId);
    expect(state.status).toBe('failed');
    expect(envelopes.filter((e) => e.type === wireType('FileReleased'))).toEqual([]);
    expect(await h.store.list('released', releasedPrefix(requestId))).toEqual([]);
  });
});

describe('the released-bucket reconciler', () => {
  it('removes and audits an object no release event backs, keeps released files, and reports missing ones', async () => {
    const { requestId, message } = await approved();
    await release(h.store).onMessage(message);
    const releasedKeys = (await h.store.list('released', releasedPrefix(requestId))).map((o) => o.key);
    expect(releasedKeys).toHaveLength(2);
    const planted = `requests/${randomUUID()}/turn-1/f1/planted.csv`;
    await putText(h.store, 'released', planted, 'secret,1\n');

    const summary = await reconciler().reconcile();
    expect(summary).toMatchObject({ removed: 1, missing: [] });
    expect(await h.store.head('released', planted)).toBeUndefined();
    expect((await h.store.list('released', releasedPrefix(requestId))).map((o) => o.key)).toEqual(releasedKeys);
    expect(await removals(planted)).toEqual([
      expect.objectContaining({ reasonCode: 'NO_RELEASE_EVENT', file: expect.objectContaining({ key: planted, sha256: sha256Hex('secret,1\n') }) }),
    ]);

    // Again: nothing more to remove, and the removal is recorded once.
    expect(await reconciler().reconcile()).toMatchObject({ removed: 0 });
    expect(await removals(planted)).toHaveLength(1);

    // A released file that vanished is reported, never re-created.
    await h.store.delete('released', releasedKeys[0]);
    expect((await reconciler().reconcile()).missing).toEqual([releasedKeys[0]]);
    await revoke(requestId);
    expect((await reconciler().reconcile()).missing).toEqual([]);
  });

  it('releases an import into the imported bucket, which it reconciles the same way', async () => {
    const { requestId, message } = await approved('import');
    await release(h.store).onMessage(message);
    expect((await h.requests().load(requestId)).state.status).toBe('released');
    expect(await h.store.list('released', releasedPrefix(requestId))).toEqual([]);
    const importedKeys = (await h.store.list('imported', releasedPrefix(requestId))).map((o) => o.key);
    expect(importedKeys).toHaveLength(2);
    const { events } = await h.events.readStream(requestStreamId(requestId));
    const released = events.filter((e) => e.type === wireType('FileReleased')).map((e) => (e.data as { destination?: string }).destination);
    expect(released).toEqual(['imported', 'imported']);

    // Backed by their events: neither removed nor reported missing from the released bucket.
    const planted = `requests/${randomUUID()}/turn-1/f1/planted.py`;
    await putText(h.store, 'imported', planted, 'print(1)\n');
    expect(await reconciler().reconcile()).toMatchObject({ removed: 1, missing: [] });
    expect(await h.store.head('imported', planted)).toBeUndefined();
    expect((await h.store.list('imported', releasedPrefix(requestId))).map((o) => o.key)).toEqual(importedKeys);
    expect(await removals(planted)).toEqual([expect.objectContaining({ reasonCode: 'NO_RELEASE_EVENT' })]);

    await h.store.delete('imported', importedKeys[0]);
    expect((await reconciler().reconcile()).missing).toEqual([importedKeys[0]]);
    await revoke(requestId);
    expect(await h.store.list('imported', releasedPrefix(requestId))).toEqual([]);
    expect((await reconciler().reconcile()).missing).toEqual([]);
  });
});
