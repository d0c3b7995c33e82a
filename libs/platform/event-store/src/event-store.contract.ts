import type { EventStore } from './event-store';
import { EVENT_MAX_BYTES } from './event-store';
import { DuplicateEventIdError, EventTooLargeError, StreamVersionConflictError } from './event-store.errors';
import { aPendingEvent, pendingEvents, uniqueStreamId } from './event-store.test-kit';

const options = { topic: 'airlock.test-events.v1' };

/** Behaviour every EventStore must share; run against each implementation. */
export function describeEventStoreContract(name: string, storeFor: () => EventStore): void {
  describe(`${name}: the EventStore contract`, () => {
    it('reads a stream that does not exist as version 0 with no events', async () => {
      expect(await storeFor().readStream(uniqueStreamId())).toEqual({ version: 0, events: [] });
    });

    it('reads back appended events in order, numbered from 1', async () => {
      const store = storeFor();
      const streamId = uniqueStreamId();
      const first = pendingEvents(2);
      const second = pendingEvents(1);
      expect((await store.appendToStream(streamId, 0, first, options)).version).toBe(2);
      const appended = await store.appendToStream(streamId, 2, second, options);
      expect(appended.version).toBe(3);
      expect(appended.events).toEqual([{ ...second[0], streamId, streamVersion: 3 }]);
      const read = await store.readStream(streamId);
      expect(read.version).toBe(3);
      expect(read.events).toEqual([...first, ...second].map((event, i) => ({ ...event, streamId, streamVersion: i + 1 })));
    });

    it('reads only the events after a version, keeping the version when nothing is newer', async () => {
      const store = storeFor();
      const streamId = uniqueStreamId();
      const events = pendingEvents(3);
      await store.appendToStream(streamId, 0, events, options);
      const after = await store.readStream(streamId, 1);
      expect(after).toEqual({ version: 3, events: events.slice(1).map((event, i) => ({ ...event, streamId, streamVersion: i + 2 })) });
      expect(await store.readStream(streamId, 3)).toEqual({ version: 3, events: [] });
      expect(await store.readStream(streamId, 0)).toEqual(await store.readStream(streamId));
      for (const bad of [-1, 1.5, Number.NaN]) await expect(store.readStream(streamId, bad)).rejects.toMatchObject({ code: 'INVALID_AFTER_VERSION' });
    });

    it('refuses an append with a stale expected version and stores nothing of it', async () => {
      const store = storeFor();
      const streamId = uniqueStreamId();
      await store.appendToStream(streamId, 0, pendingEvents(2), options);
      const stale = store.appendToStream(streamId, 1, pendingEvents(1), options);
      await expect(stale).rejects.toBeInstanceOf(StreamVersionConflictError);
      await expect(stale).rejects.toMatchObject({ code: 'STREAM_VERSION_CONFLICT', streamId, expected: 1, actual: 2 });
      expect((await store.readStream(streamId)).version).toBe(2);
    });

    it('refuses to create a stream that already exists', async () => {
      const store = storeFor();
      const streamId = uniqueStreamId();
      await store.appendToStream(streamId, 0, pendingEvents(1), options);
      await expect(store.appendToStream(streamId, 0, pendingEvents(1), options)).rejects.toMatchObject({ expected: 0, actual: 1 });
    });

    it('treats appending no events as a no-op', async () => {
      const store = storeFor();
      const streamId = uniqueStreamId();
      expect(await store.appendToStream(streamId, 0, [], options)).toEqual({ version: 0, events: [] });
      expect(await store.readStream(streamId)).toEqual({ version: 0, events: [] });
    });

    it('refuses an event id that was already stored, in any stream', async () => {
      const store = storeFor();
      const event = aPendingEvent();
      await store.appendToStream(uniqueStreamId(), 0, [event], options);
      const otherStream = uniqueStreamId();
      await expect(store.appendToStream(otherStream, 0, [event], options)).rejects.toBeInstanceOf(DuplicateEventIdError);
      expect((await store.readStream(otherStream)).version).toBe(0);
    });

    it.each([-1, 1.5, Number.NaN])('refuses the expected version %p', async (expectedVersion) => {
      await expect(storeFor().appendToStream(uniqueStreamId(), expectedVersion, pendingEvents(1), options)).rejects.toMatchObject({
        code: 'INVALID_EXPECTED_VERSION',
      });
    });

    it('refuses an event whose serialised envelope is over the cap, with EVENT_TOO_LARGE, and stores nothing of the append', async () => {
      const store = storeFor();
      const streamId = uniqueStreamId();
      // Multi-byte text: the cap counts UTF-8 bytes of the JSON, not characters.
      const oversized = aPendingEvent({ data: { text: 'é'.repeat(EVENT_MAX_BYTES / 2) } });
      const append = store.appendToStream(streamId, 0, [aPendingEvent(), oversized], options);
      await expect(append).rejects.toBeInstanceOf(EventTooLargeError);
      await expect(append).rejects.toMatchObject({ code: 'EVENT_TOO_LARGE', streamId, eventType: oversized.type, maxBytes: EVENT_MAX_BYTES });
      expect(await store.readStream(streamId)).toEqual({ version: 0, events: [] });
    });

    it('stores a lone surrogate or U+0000 in an event as U+FFFD (jsonb holds neither), and a well-formed emoji as it is', async () => {
      const store = storeFor();
      const streamId = uniqueStreamId();
      const event = aPendingEvent({ data: { cut: 'half \ud83d', nul: 'a\u0000b', emoji: 'ok 😀', nested: [{ low: '\udc00' }] } });
      await store.appendToStream(streamId, 0, [event], options);
      const [stored] = (await store.readStream(streamId)).events;
      expect(stored.data).toEqual({ cut: 'half \uFFFD', nul: 'a\uFFFDb', emoji: 'ok 😀', nested: [{ low: '\uFFFD' }] });
    });

    it('accepts an event just under the cap', async () => {
      const store = storeFor();
      const event = aPendingEvent({ data: { text: 'a'.repeat(EVENT_MAX_BYTES - 1_000) } });
      expect((await store.appendToStream(uniqueStreamId(), 0, [event], options)).version).toBe(1);
    });

    it('keeps streams independent', async () => {
      const store = storeFor();
      const [a, b] = [uniqueStreamId(), uniqueStreamId()];
      await store.appendToStream(a, 0, pendingEvents(3), options);
      await store.appendToStream(b, 0, pendingEvents(1), options);
      expect((await store.readStream(a)).version).toBe(3);
      expect((await store.readStream(b)).version).toBe(1);
    });
  });
}
