import { wireType } from '@airlock/contracts';
import { randomUUID } from 'node:crypto';
import { DEFAULT_POLICY } from '@airlock/disclosure-rules';
import { ClamdScanner } from '@airlock/scanning';
import type { ObjectStore } from '@airlock/storage';
import { realStack } from '@airlock/testing';
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
} from '@airlock/testing-moves';
import pino from 'pino';
import { DisclosureCheckWorker } from './disclosure-check.worker';

// docs/design.md invariant 7 for the block move (quarantine -> blocked) on the real S3 server, clamd and
// PostgreSQL: the worker dies or fails after each storage step in turn, then a fresh worker gets
// the redelivery and must finish the move: the bytes in `blocked` with their hash, nothing left in
// quarantine, the scan recorded once, the request blocked.
jest.setTimeout(120_000);

// The EICAR test string, built in two halves so this file is not itself flagged.
const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join('');
const CLEAN = 'region,count\nnorth,120\nsouth,140\n';
const logger = pino({ level: 'silent' });
const clamd = realStack().clamd;
const scanner = new ClamdScanner({ ...clamd, timeoutMs: 60_000 });
let h: MovesHarness;

beforeAll(async () => {
  h = await movesHarness('dc_crash');
});
afterAll(() => h?.dispose());

function worker(store: ObjectStore): DisclosureCheckWorker {
  return new DisclosureCheckWorker(h.requests(), store, scanner, DEFAULT_POLICY, h.consumer('airlock.disclosure-check'), logger);
}

/** A submitted request with an infected file and a clean one, frozen in quarantine; its RequestSubmitted message. */
async function infectedSubmission() {
  const requestId = randomUUID();
  const { events, keys } = submittedRequestEvents(requestId, [
    { fileId: 'f1', name: 'infected.csv', content: EICAR },
    { fileId: 'f2', name: 'clean.csv', content: CLEAN },
  ]);
  await putText(h.store, 'quarantine', keys.f1, EICAR);
  await putText(h.store, 'quarantine', keys.f2, CLEAN);
  const stored = await appendRequestEvents(h.events, requestId, events);
  return { requestId, keys, message: messageOf(stored[stored.length - 1]) };
}

async function expectBlockedOnce(requestId: string, keys: Record<string, string>) {
  const { state, envelopes } = await h.requests().load(requestId);
  expect(state.status).toBe('blocked');
  expect((await h.store.hash('blocked', keys.f1)).sha256).toBe(sha256Hex(EICAR));
  expect(await h.store.head('quarantine', keys.f1)).toBeUndefined();
  const count = (type: string) => envelopes.filter((e) => e.type === type).length;
  expect(count(wireType('FileScanned'))).toBe(1);
  expect(count(wireType('FileBlocked'))).toBe(1);
  expect(count(wireType('RequestBlocked'))).toBe(1);
}

describe('the block move after a crash', () => {
  let steps = 0;
  beforeAll(async () => {
    const { requestId, keys, message } = await infectedSubmission();
    steps = await stepsOf(h.store, (store) => worker(store).onMessage(message));
    await expectBlockedOnce(requestId, keys);
    expect(steps).toBeGreaterThanOrEqual(2);
  });

  it.each(['crash', 'fail'] as const)('completes on redelivery after a %s after each step', async (outcome) => {
    for (let step = 0; step < steps; step += 1) {
      const { requestId, keys, message } = await infectedSubmission();
      await expect(worker(faultyAfter(h.store, step, outcome)).onMessage(message)).rejects.toThrow();
      await worker(h.store).onMessage(message);
      await expectBlockedOnce(requestId, keys);
    }
  });
});

describe('a frozen file that is nowhere', () => {
  it('fails the request (no retry brings the bytes back) and scans nothing', async () => {
    const requestId = randomUUID();
    const { events } = submittedRequestEvents(requestId, [{ fileId: 'f1', name: 'gone.csv', content: CLEAN }]);
    // Appended as submitted, but its bytes never reached quarantine (nor blocked).
    const stored = await appendRequestEvents(h.events, requestId, events);
    await worker(h.store).onMessage(messageOf(stored[stored.length - 1]));
    const { state, envelopes } = await h.requests().load(requestId);
    expect(state.status).toBe('failed');
    expect(envelopes.map((e) => e.type)).not.toContain(wireType('FileScanned'));
    expect(JSON.stringify(envelopes[envelopes.length - 1].data)).toContain('file f1 is missing from quarantine');
  });
});
