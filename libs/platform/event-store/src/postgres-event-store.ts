import type { EventEnvelope } from '@airlock/contracts';
import type { Db, DbTx, Queryable } from '@airlock/database';
import { outboxHeaders } from './outbox-row';
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

export class PostgresEventStore implements EventStore {
  private readonly maxEventBytes: number;
  private readonly onCommitted: () => void;

  constructor(
    private readonly db: Db,
    { maxEventBytes = EVENT_MAX_BYTES, onCommitted = () => undefined }: EventStoreOptions = {},
  ) {
    this.maxEventBytes = maxEventBytes;
    this.onCommitted = onCommitted;
  }

  async readStream(streamId: string, afterVersion = 0): Promise<StreamSlice> {
    assertAfterVersion(afterVersion);
    const { rows } = await this.db.query<{ envelope: EventEnvelope }>(
      'SELECT envelope FROM events WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version',
      [streamId, afterVersion],
    );
    const events = rows.map((row) => row.envelope);
    return { version: events.length === 0 ? afterVersion : events[events.length - 1].streamVersion, events };
  }

  async appendToStream(streamId: string, expectedVersion: number, events: PendingEvent[], options: AppendOptions): Promise<StreamSlice> {
    assertExpectedVersion(expectedVersion);
    if (events.length === 0) return { version: expectedVersion, events: [] };
    const envelopes = toEnvelopes(streamId, expectedVersion, events);
    const serialised = serializeWithinCap(envelopes, this.maxEventBytes);
    try {
      await this.db.withTransaction(async (tx) => {
        // Serialises appends to one stream, so the version check below cannot race.
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [streamId]);
        const actual = await currentVersion(tx, streamId);
        if (actual !== expectedVersion) throw new StreamVersionConflictError(streamId, expectedVersion, actual);
        await insertEvents(tx, envelopes, serialised);
        // Same transaction as the events: an event is on its way to Kafka if and only if it was stored.
        await insertOutboxRows(tx, envelopes, serialised, options.topic, options.key ?? streamId);
      });
    } catch (error) {
      throw await this.translateUniqueViolation(error, streamId, expectedVersion);
    }
    this.onCommitted();
    return { version: expectedVersion + envelopes.length, events: envelopes };
  }

  private async translateUniqueViolation(error: unknown, streamId: string, expectedVersion: number): Promise<unknown> {
    const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
    if (code !== '23505') return error;
    if (constraint === 'events_event_id_unique') return new DuplicateEventIdError(streamId);
    // Only reachable if a writer bypassed the stream lock; still a lost race, so report it as one.
    if (constraint === 'events_stream_version_unique') {
      return new StreamVersionConflictError(streamId, expectedVersion, await currentVersion(this.db, streamId));
    }
    return error;
  }
}

async function currentVersion(tx: Queryable, streamId: string): Promise<number> {
  const { rows } = await tx.query<{ version: number }>('SELECT COALESCE(MAX(stream_version), 0)::int AS version FROM events WHERE stream_id = $1', [streamId]);
  return rows[0].version;
}

async function insertEvents(tx: DbTx, envelopes: readonly EventEnvelope[], serialised: readonly string[]): Promise<void> {
  await tx.query(
    `INSERT INTO events (event_id, stream_id, stream_version, type, envelope)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::jsonb[])`,
    [envelopes.map((e) => e.id), envelopes.map((e) => e.streamId), envelopes.map((e) => e.streamVersion), envelopes.map((e) => e.type), serialised],
  );
}

async function insertOutboxRows(tx: DbTx, envelopes: readonly EventEnvelope[], serialised: readonly string[], topic: string, key: string): Promise<void> {
  await tx.query(
    `INSERT INTO outbox (event_id, topic, key, payload, headers)
     SELECT event_id, $2, $3, payload, headers FROM unnest($1::text[], $4::jsonb[], $5::jsonb[]) AS t(event_id, payload, headers)`,
    [envelopes.map((e) => e.id), topic, key, serialised, envelopes.map((e) => JSON.stringify(outboxHeaders(e.id, e.type)))],
  );
}
