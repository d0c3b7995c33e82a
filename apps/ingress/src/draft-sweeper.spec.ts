import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { DEFAULT_APPROVAL_POLICY, fold, type RequestEvent } from '@airlock/domain';
import { LocalDiskObjectStore } from '@airlock/storage';
import pino from 'pino';
import { DraftSweeper } from './draft-sweeper';

const AT = '2026-12-07T12:00:00.000Z';
const requestId = 'r-sweep';
const sha = (c: string) => c.repeat(64);
const uploaded = (fileId: string): RequestEvent => ({
  type: 'FileUploaded',
  data: {
    requestId,
    fileId,
    name: `${fileId}.csv`,
    group: 'g',
    kind: 'output',
    sha256: sha(fileId[1]),
    size: 3,
    draftKey: `requests/${requestId}/draft/${fileId}`,
    uploadedAt: AT,
  },
});
// f1 submitted (frozen in quarantine), then changes requested and f2 uploaded for the next turn.
const EVENTS: RequestEvent[] = [
  { type: 'RequestCreated', data: { requestId, projectId: 'p1', title: 't', authorId: 'alice', createdAt: AT } },
  { type: 'GroupDefined', data: { requestId, group: 'g', context: 'c', controls: 'k', definedAt: AT } },
  uploaded('f1'),
  {
    type: 'RequestSubmitted',
    data: {
      requestId,
      turn: 1,
      files: [{ fileId: 'f1', name: 'f1.csv', group: 'g', kind: 'output', sha256: sha('1'), size: 3, quarantineKey: `requests/${requestId}/turn-1/f1` }],
      groups: [{ group: 'g', context: 'c', controls: 'k' }],
      policy: DEFAULT_APPROVAL_POLICY,
      disclosure: {},
      carriedVotes: [],
      submittedBy: 'alice',
      submittedAt: AT,
    },
  },
  uploaded('f2'),
];

let root: string;
let store: LocalDiskObjectStore;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'airlock-draft-sweep-'));
  store = new LocalDiskObjectStore(root);
  await store.ensureBuckets();
});
afterAll(() => rm(root, { recursive: true, force: true }));

const put = (key: string) => store.putStream('draft', key, Readable.from([Buffer.from('a,b')]), { maxBytes: 100 });

describe('draft sweeper', () => {
  it('removes the drafts of frozen files and, after the grace, drafts no file names; keeps the rest', async () => {
    for (const key of ['f1', 'f2', 'orphan'].map((f) => `requests/${requestId}/draft/${f}`)) await put(key);
    const requests = { load: async () => ({ state: fold(EVENTS), version: EVENTS.length, envelopes: [] }) };
    const sweeper = (graceMs: number, now = new Date()) => new DraftSweeper({ store, requests, logger: pino({ level: 'silent' }), graceMs, clock: () => now });

    // Within the grace an unnamed draft may be an upload whose event is still being written.
    expect(await sweeper(3_600_000).sweep()).toEqual({ objects: 3, deleted: 1, uploadsAborted: 0, manifestsDeleted: 0 });
    expect((await store.list('draft', `requests/${requestId}/`)).map((o) => o.key).sort()).toEqual([
      `requests/${requestId}/draft/f2`,
      `requests/${requestId}/draft/orphan`,
    ]);

    expect(await sweeper(3_600_000, new Date(Date.now() + 2 * 3_600_000)).sweep()).toEqual({ objects: 2, deleted: 1, uploadsAborted: 0, manifestsDeleted: 0 });
    expect((await store.list('draft', `requests/${requestId}/`)).map((o) => o.key)).toEqual([`requests/${requestId}/draft/f2`]);
  });
});
