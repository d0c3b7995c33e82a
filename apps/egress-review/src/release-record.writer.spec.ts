import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Topics, requestEnvelope, requestStreamId } from '@airlock/contracts';
import { InMemoryEventStore } from '@airlock/event-store';
import { PermanentMessageError } from '@airlock/messaging';
import { releaseRecordFixtures, releaseRecordKeys } from '@airlock/release-record';
import { RequestCommandHandler } from '@airlock/application';
import { LocalDiskObjectStore } from '@airlock/storage';
import pino from 'pino';
import { ReleaseRecordWriter } from './release-record.writer';

// The record lib's own stream: turn 1 returned for changes, turn 2 approved and released.
const { REQUEST_ID, SHA, releasedStream, revoked } = releaseRecordFixtures;

const logger = pino({ level: 'silent' });
let dir: string;
let store: LocalDiskObjectStore;
let events: InMemoryEventStore;
let writer: ReleaseRecordWriter;

async function append(recorded: ReturnType<ReturnType<typeof releasedStream>['build']>, from = 0): Promise<void> {
  const pending = recorded.slice(from).map((r) =>
    requestEnvelope(r.event, REQUEST_ID, {
      id: r.id,
      source: '/test',
      time: r.time,
      actor: { userId: r.actor.userId, roles: r.actor.roles as never },
      correlationId: 'c',
    }),
  );
  await events.appendToStream(requestStreamId(REQUEST_ID), from, pending, { topic: Topics.requestEvents, key: REQUEST_ID });
}

async function read(key: string): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.getStream('quarantine', key)) chunks.push(Buffer.from(chunk));
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'release-record-'));
  store = new LocalDiskObjectStore(dir);
  await store.ensureBuckets();
  events = new InMemoryEventStore();
  // The consumer is not used by `write`, which is what redelivery runs again.
  writer = new ReleaseRecordWriter(new RequestCommandHandler(events, '/test'), store, undefined as never, logger);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('release record writer', () => {
  it('stores the JSON record and the RO-Crate next to the released files', async () => {
    await append(releasedStream().build());
    await writer.write(REQUEST_ID);
    const keys = releaseRecordKeys(REQUEST_ID);
    const record = await read(keys.record);
    expect(record).toMatchObject({ audience: 'tre', request: { status: 'released' }, files: [{ sha256: SHA.admissions }, { sha256: SHA.fixed }] });
    const crate = await read(keys.crate);
    expect(JSON.stringify(crate)).toContain('https://w3id.org/5s-crate/0.4');
  });

  it('rewrites the same keys after a revocation; running it again changes nothing', async () => {
    const stream = releasedStream();
    const released = stream.build();
    await append(released);
    await writer.write(REQUEST_ID);
    await append(revoked(stream).build(), released.length);
    await writer.write(REQUEST_ID);
    const once = await read(releaseRecordKeys(REQUEST_ID).record);
    await writer.write(REQUEST_ID);
    expect(await read(releaseRecordKeys(REQUEST_ID).record)).toEqual(once);
    expect(once).toMatchObject({ request: { status: 'revoked' }, revocation: { withdrawn: [{ fileId: 'f-adm' }, { fileId: 'f-fixed' }] } });
  });

  it('writes nothing for a request that was never released', async () => {
    await append(
      releasedStream()
        .build()
        .filter((e) => !['FileReleased', 'RequestReleased'].includes(e.event.type)),
    );
    await writer.write(REQUEST_ID);
    expect(await store.head('quarantine', releaseRecordKeys(REQUEST_ID).record)).toBeUndefined();
  });

  it('dead-letters a stream it can never read, instead of blocking the partition', async () => {
    // An event of an older shape (no carried votes) that the current fold cannot read.
    const old = releasedStream()
      .build()
      .map((r) => (r.event.type === 'RequestSubmitted' ? { ...r, event: { ...r.event, data: { ...r.event.data, carriedVotes: undefined as never } } } : r));
    await append(old);
    await expect(writer.write(REQUEST_ID)).rejects.toBeInstanceOf(PermanentMessageError);
  });
});
