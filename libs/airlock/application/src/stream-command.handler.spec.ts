import { InMemoryEventStore, StreamVersionConflictError, type PendingEvent } from '@airlock/event-store';
import { StreamCommandHandler, type StreamModel } from './stream-command.handler';

// A counter stream: the smallest model the generic handler can run (read, fold, decide, append).
type Add = { by: number };
const counter: StreamModel<number, Add, number> = {
  streamId: (key) => `counter-${key}`,
  fold: (events) => events.reduce((sum, e) => sum + (e.data as number), 0),
  decide: (command) => {
    // A negative step stands for a command refused to its caller (not the author, say).
    if (command.by < 0) throw Object.assign(new Error('refused'), { code: 'NOT_AUTHOR' });
    return command.by === 0 ? [] : [command.by];
  },
  evolve: (sum, by) => sum + by,
  envelopes: (events, key, _command, at, correlationId = 'c'): PendingEvent[] =>
    events.map((by, i) => ({
      specversion: '1.0',
      id: `${key}-${at}-${i}-${Math.random()}`,
      source: '/test',
      type: 'test.added.v1',
      subject: key,
      time: at,
      datacontenttype: 'application/json',
      actor: { userId: 'u', roles: [] },
      correlationId,
      data: by,
    })),
  publish: (key) => ({ topic: 'test', key }),
};

/** A store whose next `times` appends lose a race to another writer (one event each). */
function racing(times: number) {
  const store = new InMemoryEventStore();
  const append = store.appendToStream.bind(store);
  const calls = { appends: 0 };
  store.appendToStream = async (streamId, expected, events, options) => {
    calls.appends += 1;
    if (calls.appends <= times) {
      await append(streamId, expected, counter.envelopes([1], 'theirs', { by: 1 }, `t${calls.appends}`, 'c', undefined), options);
      throw new StreamVersionConflictError(streamId, expected, expected + 1);
    }
    return append(streamId, expected, events, options);
  };
  return { store, calls };
}

describe('stream command handler (shared by requests and the registry)', () => {
  it('reads, folds, decides and appends with the version read', async () => {
    const handler = new StreamCommandHandler(new InMemoryEventStore(), counter, { maxAttempts: 3 });
    await expect(handler.execute('a', () => ({ by: 2 }))).resolves.toMatchObject({ state: 2, events: [2], version: 1 });
    await expect(handler.execute('a', (sum) => ({ by: sum }))).resolves.toMatchObject({ state: 4, version: 2 });
    await expect(handler.execute('a', () => ({ by: 0 }))).resolves.toMatchObject({ state: 4, events: [], version: 2 });
  });

  it('retries a lost race from a fresh read, at most maxAttempts times, then gives up with the conflict', async () => {
    const twice = racing(2);
    const handler = new StreamCommandHandler(twice.store, counter, { maxAttempts: 3 });
    await expect(handler.execute('a', () => ({ by: 10 }))).resolves.toMatchObject({ state: 12, version: 3 });
    expect(twice.calls.appends).toBe(3);

    const always = racing(99);
    const bounded = new StreamCommandHandler(always.store, counter, { maxAttempts: 5 });
    await expect(bounded.execute('a', () => ({ by: 10 }))).rejects.toMatchObject({ code: 'STREAM_VERSION_CONFLICT' });
    expect(always.calls.appends).toBe(5);
  });

  it('with an expected version (If-Match), decides against exactly it: stale is 412 STALE_VERSION, a lost race is not retried', async () => {
    const store = new InMemoryEventStore();
    const handler = new StreamCommandHandler(store, counter, { maxAttempts: 5 });
    await handler.execute('a', () => ({ by: 1 }));
    await expect(handler.execute('a', () => ({ by: 1 }), { expected: { version: 0 } })).rejects.toMatchObject({
      code: 'STALE_VERSION',
      expected: 0,
      actual: 1,
    });
    await expect(handler.execute('a', () => ({ by: 1 }), { expected: { version: 1 } })).resolves.toMatchObject({ version: 2 });

    const raced = racing(1);
    const once = new StreamCommandHandler(raced.store, counter, { maxAttempts: 5 });
    await expect(once.execute('a', () => ({ by: 1 }), { expected: { version: 0 } })).rejects.toMatchObject({ code: 'STALE_VERSION' });
    expect(raced.calls.appends).toBe(1);
  });

  it('with an opaque per-view tag, decides when the view is unchanged and refuses without naming a version when it moved', async () => {
    const handler = new StreamCommandHandler(new InMemoryEventStore(), counter, { maxAttempts: 5 });
    await handler.execute('a', () => ({ by: 3 }));
    // The view shows only whether the sum is odd: changes it cannot show do not make the tag stale.
    const etagOf = (sum: number) => (sum % 2 === 1 ? 'odd' : 'even');
    await handler.execute('a', () => ({ by: 2 }));
    await expect(handler.execute('a', () => ({ by: 1 }), { expected: { etag: 'odd', etagOf } })).resolves.toMatchObject({ state: 6 });
    const refused = await handler.execute('a', () => ({ by: 1 }), { expected: { etag: 'odd', etagOf } }).catch((error: Error) => error);
    expect(refused).toMatchObject({ code: 'STALE_VERSION', expected: 'odd', actual: undefined });
    expect((refused as Error).message).not.toMatch(/\d/);
  });

  it("gives a caller the command is refused to that refusal, never a 412 that would tell them the stream's version", async () => {
    const handler = new StreamCommandHandler(new InMemoryEventStore(), counter, { maxAttempts: 5 });
    await handler.execute('a', () => ({ by: 1 }));
    const refused = await handler.execute('a', () => ({ by: -1 }), { expected: { version: 0 } }).catch((error: Error) => error);
    expect(refused).toMatchObject({ code: 'NOT_AUTHOR' });
    expect((refused as Error).message).not.toMatch(/\d/);
    const etagOf = (sum: number) => String(sum);
    await expect(handler.execute('a', () => ({ by: -1 }), { expected: { etag: 'stale', etagOf } })).rejects.toMatchObject({ code: 'NOT_AUTHOR' });
  });

  it('with a view tag, retries a lost race to a change the view does not show, and refuses one it shows', async () => {
    // The other writer's event leaves this view as it was (another checker's vote under blinded review).
    const unseen = racing(1);
    const blind = new StreamCommandHandler(unseen.store, counter, { maxAttempts: 5 });
    await expect(blind.execute('a', () => ({ by: 2 }), { expected: { etag: 'seen', etagOf: () => 'seen' } })).resolves.toMatchObject({ state: 3 });
    expect(unseen.calls.appends).toBe(2);
    // The other writer's event changes the view: refused on the fresh read, naming no version.
    const seen = racing(1);
    const open = new StreamCommandHandler(seen.store, counter, { maxAttempts: 5 });
    const refused = await open.execute('a', () => ({ by: 2 }), { expected: { etag: '0', etagOf: (sum) => String(sum) } }).catch((error: Error) => error);
    expect(refused).toMatchObject({ code: 'STALE_VERSION', expected: '0', actual: undefined });
    expect(seen.calls.appends).toBe(1);
  });

  it('runs the commands on one stream one at a time when asked, in arrival order', async () => {
    const handler = new StreamCommandHandler(new InMemoryEventStore(), counter, { maxAttempts: 1, oneAtATime: true });
    // With one attempt and no queue, ten parallel appends would conflict; queued, each reads the last one's result.
    const results = await Promise.all(Array.from({ length: 10 }, () => handler.execute('a', () => ({ by: 1 }))));
    expect(results.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe('StreamCommandHandler with foldOnto (a stream kept folded in memory)', () => {
  const kept: StreamModel<number, Add, number> = { ...counter, foldOnto: (sum, events) => sum + counter.fold(events) };

  /** Counts how many events each read returned. */
  function counting() {
    const store = new InMemoryEventStore();
    const read = store.readStream.bind(store);
    const eventsRead: number[] = [];
    store.readStream = async (streamId, afterVersion) => {
      const slice = await read(streamId, afterVersion);
      eventsRead.push(slice.events.length);
      return slice;
    };
    return { store, eventsRead };
  }

  it('reads only what was appended since its last read, and agrees with a full fold', async () => {
    const { store, eventsRead } = counting();
    const mine = new StreamCommandHandler(store, kept, { maxAttempts: 3 });
    // Another process writing to the same stream: its appends must show up in our next read.
    const theirs = new StreamCommandHandler(store, counter, { maxAttempts: 3 });
    for (let i = 1; i <= 20; i += 1) await theirs.execute('k', () => ({ by: i }));
    expect(await mine.current('k')).toEqual({ state: 210, version: 20 });
    eventsRead.length = 0;
    await theirs.execute('k', () => ({ by: 5 }));
    eventsRead.length = 0;
    expect(await mine.current('k')).toEqual({ state: 215, version: 21 });
    expect(eventsRead).toEqual([1]); // one new event, not twenty-one
    expect(await mine.current('k')).toEqual({ state: 215, version: 21 });
    expect(eventsRead).toEqual([1, 0]);
    // Its own commands are decided on the latest state, and a lost race is retried on a fresh one.
    const executed = await mine.execute('k', (state) => ({ by: state }));
    expect(executed).toMatchObject({ state: 430, version: 22 });
    expect((await mine.current('k')).state).toBe(counter.fold((await store.readStream('counter-k')).events));
  });

  it('keeps at most the given number of streams, dropping the least recently read, and reads a dropped one whole again', async () => {
    const { store, eventsRead } = counting();
    const writer = new StreamCommandHandler(store, counter, { maxAttempts: 3 });
    for (const key of ['a', 'b', 'c']) for (let i = 1; i <= 3; i += 1) await writer.execute(key, () => ({ by: i }));
    const mine = new StreamCommandHandler(store, kept, { maxAttempts: 3 }, undefined, 2);
    await mine.current('a');
    await mine.current('b');
    await mine.current('a'); // a is now the most recent; b is the one to go
    await mine.current('c');
    eventsRead.length = 0;
    expect(await mine.current('a')).toEqual({ state: 6, version: 3 });
    expect(await mine.current('b')).toEqual({ state: 6, version: 3 });
    // a was kept (nothing new to read); b had been dropped, so all three of its events were read again.
    expect(eventsRead).toEqual([0, 3]);
  });

  it('decides on the fresh state after losing a race, never on the state it kept', async () => {
    const { store, calls } = racing(2);
    const handler = new StreamCommandHandler(store, kept, { maxAttempts: 5 });
    await handler.execute('k', () => ({ by: 10 }));
    // Two other writers each appended 1 before our append went through.
    expect((await handler.current('k')).state).toBe(12);
    expect(calls.appends).toBe(3);
    expect((await handler.current('k')).state).toBe(counter.fold((await store.readStream('counter-k')).events));
  });
});
