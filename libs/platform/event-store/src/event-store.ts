import type { EventEnvelope } from '@airlock/contracts';
import { EventTooLargeError } from './event-store.errors';

/** An event as the caller builds it; the store assigns its place in the stream. */
export type PendingEvent<TData = unknown> = Omit<EventEnvelope<TData>, 'streamId' | 'streamVersion'>;

export type StreamSlice = { version: number; events: EventEnvelope[] };

export type AppendOptions = {
  /** Kafka topic the outbox relays these events to. */
  topic: string;
  /** Partition key; defaults to the stream id so one stream's events stay in order. */
  key?: string;
};

/** The port the application layer depends on. Streams are append-only. */
export type EventStore = {
  /**
   * The stream's events in order, all of them or only those after `afterVersion` (for a reader
   * that holds the state up to that version); version 0 means the stream does not exist.
   */
  readStream(streamId: string, afterVersion?: number): Promise<StreamSlice>;
  /**
   * Appends after `expectedVersion` or throws StreamVersionConflictError. Returns the new version
   * and the stored envelopes. Appending no events is a no-op that returns `expectedVersion`.
   */
  appendToStream(streamId: string, expectedVersion: number, events: PendingEvent[], options: AppendOptions): Promise<StreamSlice>;
};

/**
 * The cap on one serialised event (UTF-8 bytes of its JSON envelope): half of Kafka's default
 * `message.max.bytes` (1 MiB), leaving room for headers and batch overhead. The input limits of
 * the domain (request.limits.ts) keep real events far below it.
 */
export const EVENT_MAX_BYTES = 512 * 1024;

export type EventStoreOptions = {
  maxEventBytes?: number;
  /** Called after an append committed (its outbox rows are visible), e.g. to nudge the outbox relay. */
  onCommitted?: () => void;
};

/** Refuses the whole append if any of its events is over the cap: nothing of it is stored. */
// PostgreSQL's jsonb holds neither a lone surrogate nor U+0000 (JSON.stringify writes them as
// `\udXXX` and `\u0000`). An event carrying one (text derived from a hostile file: a header cut in
// the middle of a character, a workbook's `&#xD800;`) would fail its append on every redelivery and
// hold its partition. Such characters are stored as U+FFFD, which says a character was lost; what a
// user types is refused at the edge before it gets here (http-service's JSON parser).
const UNSTORABLE_ESCAPE = /\\u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|0000)/;
// eslint-disable-next-line no-control-regex -- U+0000 is what this looks for
const UNSTORABLE = /[\p{Cs}\u0000]/gu;
const storable = (_key: string, value: unknown): unknown => (typeof value === 'string' ? value.replace(UNSTORABLE, '\uFFFD') : value);

export function serializeWithinCap(envelopes: readonly EventEnvelope[], maxBytes: number = EVENT_MAX_BYTES): string[] {
  // Serialised once: the size check, the event row and the outbox row all use the same text.
  return envelopes.map((envelope) => {
    let json = JSON.stringify(envelope);
    if (UNSTORABLE_ESCAPE.test(json)) json = JSON.stringify(envelope, storable);
    const size = Buffer.byteLength(json, 'utf8');
    if (size > maxBytes) throw new EventTooLargeError(envelope.streamId, envelope.type, size, maxBytes);
    return json;
  });
}

export function toEnvelopes(streamId: string, expectedVersion: number, events: readonly PendingEvent[]): EventEnvelope[] {
  return events.map((event, index) => ({ ...event, streamId, streamVersion: expectedVersion + index + 1 }));
}
