import type { EventEnvelope } from '@airlock/contracts';
import { DuplicateEventIdError, StreamVersionConflictError, assertAfterVersion, assertExpectedVersion } from './event-store.errors';
import {
  EVENT_MAX_BYTES,
  serializeWithinCap,
  toEnvelopes,
  type AppendOptions,
  type EventStoreOptions,
  type EventStore,
  type PendingEvent,
  type StreamSlice,
} from './event-store';

export type RecordedOutboxMessage = { topic: string; key: string; envelope: EventEnvelope };

/**
 * The EventStore port in memory, for pure tests of handlers (docs/style.md: a hand-written fake beats
 * a mock). Same concurrency and no-op rules as PostgresEventStore; `outbox` shows what would be relayed.
 */
export class InMemoryEventStore implements EventStore {
  readonly outbox: RecordedOutboxMessage[] = [];
  private readonly streams = new Map<string, EventEnvelope[]>();
  private readonly eventIds = new Set<string>();
  private readonly maxEventBytes: number;

  constructor({ maxEventBytes = EVENT_MAX_BYTES }: EventStoreOptions = {}) {
    this.maxEventBytes = maxEventBytes;
  }

  async readStream(streamId: string, afterVersion = 0): Promise<StreamSlice> {
    assertAfterVersion(afterVersion);
    const stream = this.streams.get(streamId) ?? [];
    return { version: Math.max(stream.length, afterVersion), events: stream.slice(afterVersion) };
  }

  async appendToStream(streamId: string, expectedVersion: number, events: PendingEvent[], options: AppendOptions): Promise<StreamSlice> {
    assertExpectedVersion(expectedVersion);
    if (events.length === 0) return { version: expectedVersion, events: [] };
    const stream = this.streams.get(streamId) ?? [];
    if (stream.length !== expectedVersion) throw new StreamVersionConflictError(streamId, expectedVersion, stream.length);
    const ids = events.map((event) => event.id);
    if (new Set(ids).size !== ids.length || ids.some((id) => this.eventIds.has(id))) throw new DuplicateEventIdError(streamId);
    // Stored as PostgreSQL would give them back: from their serialised text (a copy, with what jsonb cannot hold replaced).
    const envelopes = serializeWithinCap(toEnvelopes(streamId, expectedVersion, events), this.maxEventBytes).map((json) => JSON.parse(json) as EventEnvelope);
    this.streams.set(streamId, [...stream, ...envelopes]);
    ids.forEach((id) => this.eventIds.add(id));
    this.outbox.push(...envelopes.map((envelope) => ({ topic: options.topic, key: options.key ?? streamId, envelope })));
    return { version: expectedVersion + envelopes.length, events: envelopes };
  }
}
