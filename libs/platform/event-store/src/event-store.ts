import type { EventEnvelope } from '@airlock/contracts';

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
  /** All events of the stream in order; version 0 means the stream does not exist. */
  readStream(streamId: string): Promise<StreamSlice>;
  /**
   * Appends after `expectedVersion` or throws StreamVersionConflictError. Returns the new version
   * and the stored envelopes. Appending no events is a no-op that returns `expectedVersion`.
   */
  appendToStream(streamId: string, expectedVersion: number, events: PendingEvent[], options: AppendOptions): Promise<StreamSlice>;
};

export function toEnvelopes(streamId: string, expectedVersion: number, events: readonly PendingEvent[]): EventEnvelope[] {
  return events.map((event, index) => ({ ...event, streamId, streamVersion: expectedVersion + index + 1 }));
}
