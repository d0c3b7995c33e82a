import { randomUUID } from 'node:crypto';
import { requestStreamId, wireType } from '@airlock/contracts';
import type { RequestEvent } from '@airlock/domain';
import type { ObjectStore } from '@airlock/storage';
import {
  appendRequestEvents,
  faultyAfter,
  messageOf,
  movesHarness,
  putText,
  sha256Hex,
  stepsOf,
  submittedRequestEvents,
  type MovesHarness,
  TWO_TABLES,
  ADMIN_ACTOR,
} from '@airlock/testing-moves';
import pino from 'pino';
import { OrphanRemover } from './orphan-remover';
import { AccessLog } from '@airlock/access-log';
import { RejectionWorker } from './rejection.worker';
import { releasedPrefix, ReleaseWorker } from './release.worker';
import { RevocationWorker } from './revocation.worker';

// docs/design.md invariant 7 for the reject, release and revoke moves on the real S3 server and
// PostgreSQL: the worker dies (or its step fails) after each storage step in turn, then a fresh
// worker gets the redelivery; the end state must be complete: each object in the right bucket with
// its hash, nothing left behind, each event recorded once.
jest.setTimeout(180_000);

const logger = pino({ level: 'silent' });
const FILES = TWO_TABLES;
const ADMIN = ADMIN_ACTOR;
let h: MovesHarness;

beforeAll(async () => {
  h = await movesHarness('moves_crash');
});
afterAll(() => h?.dispose());

const rejection = (store: ObjectStore) => new RejectionWorker(h.requests(), store, h.consumer('rejection'), logger);
const orphans = (store: ObjectStore) => new OrphanRemover(store, (newId) => new AccessLog(h.db, { source: '/test', newId }), logger);
const release = (store: ObjectStore) => new ReleaseWorker(h.requests(), store, h.consumer('release'), logger, orphans(store));
const revocation = (store: ObjectStore) => new RevocationWorker(h.requests(), store, h.consumer('revocation'), logger, orphans(store));

async function request(upTo: 'approved' | 'rejected') {
  const requestId = randomUUID();
  const { events, keys } = submittedRequestEvents(requestId, FILES, upTo);
  for (const f of FILES) await putText(h.store, 'quarantine', keys[f.fileId], f.content);
  const stored = await appendRequestEvents(h.events, requestId, events);
  return { requestId, keys, message: messageOf(stored[stored.length - 1]) };
}

async function eventCounts(requestId: string): Promise<Record<string, number>> {
  const { events } = await h.events.readStream(requestStreamId(requestId));
  const counts: Record<string, number> = {};
  for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
  return counts;
}

async function released(requestId: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const o of await h.store.list('released', releasedPrefix(requestId))) found[o.key] = (await h.store.hash('released', o.key)).sha256;
  return found;
}

/** Runs `scenario` once with a crash (and once with a failure) after each storage step, then the redelivery. */
async function afterEachStep(
  setUp: () => Promise<{ requestId: string; run: (store: ObjectStore) => Promise<void> }>,
  expectDone: (requestId: string) => Promise<void>,
) {
  const clean = await setUp();
  const steps = await stepsOf(h.store, clean.run);
  await expectDone(clean.requestId);
  expect(steps).toBeGreaterThan(0);
  for (const outcome of ['crash', 'fail'] as const) {
    for (let step = 0; step < steps; step += 1) {
      const { requestId, run } = await setUp();
      await expect(run(faultyAfter(h.store, step, outcome))).rejects.toThrow();
      await run(h.store);
      await expectDone(requestId);
    }
  }
}

describe('moves restart after a crash at any step', () => {
  it('reject: both files end in the rejected bucket, none in quarantine, each move recorded once', async () => {
    let keys: Record<string, string> = {};
    await afterEachStep(
      async () => {
        const r = await request('rejected');
        keys = r.keys;
        return { requestId: r.requestId, run: (store) => rejection(store).onMessage(r.message) };
      },
      async (requestId) => {
        for (const f of FILES) {
          expect((await h.store.hash('rejected', keys[f.fileId])).sha256).toBe(sha256Hex(f.content));
          expect(await h.store.head('quarantine', keys[f.fileId])).toBeUndefined();
        }
        expect((await eventCounts(requestId))[wireType('RejectedFileMoved')]).toBe(2);
      },
    );
  });

  it('release: both files in the released bucket with their hashes, each release recorded once', async () => {
    await afterEachStep(
      async () => {
        const r = await request('approved');
        return { requestId: r.requestId, run: (store) => release(store).onMessage(r.message) };
      },
      async (requestId) => {
        const { state } = await h.requests().load(requestId);
        expect(state.status).toBe('released');
        expect(Object.values(await released(requestId)).sort()).toEqual(FILES.map((f) => sha256Hex(f.content)).sort());
        const counts = await eventCounts(requestId);
        expect([counts[wireType('FileReleased')], counts[wireType('RequestReleased')]]).toEqual([2, 1]);
      },
    );
  });

  it('revoke: nothing left under the request in the released bucket, each withdrawal recorded once', async () => {
    await afterEachStep(
      async () => {
        const r = await request('approved');
        await release(h.store).onMessage(r.message);
        const { events } = await h.requests().execute(r.requestId, (_s, at) => ({ type: 'Revoke', actor: ADMIN, at, data: { reason: 'disclosive' } }));
        expect(events.map((e: RequestEvent) => e.type)).toEqual(['RequestRevoked']);
        const { events: stored } = await h.events.readStream(requestStreamId(r.requestId));
        const revoked = messageOf(stored[stored.length - 1]);
        return { requestId: r.requestId, run: (store) => revocation(store).onMessage(revoked) };
      },
      async (requestId) => {
        expect((await h.requests().load(requestId)).state.status).toBe('revoked');
        expect(await released(requestId)).toEqual({});
        expect((await eventCounts(requestId))[wireType('ReleasedFileWithdrawn')]).toBe(2);
      },
    );
  });
});
