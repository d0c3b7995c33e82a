import { runMigrations, type Db } from '@airlock/database';
import { realStack } from '@airlock/testing';
import { describeEventStoreContract } from './event-store.contract';
import { StreamVersionConflictError } from './event-store.errors';
import { eventStoreMigrations } from './event-store.migrations';
import { pendingEvents, uniqueStreamId } from './event-store.test-kit';
import { PostgresEventStore } from './postgres-event-store';
import { freshSchema, type SchemaDbs } from './postgres.test-kit';

const options = { topic: 'airlock.test-events.v1' };

describe('PostgresEventStore on real PostgreSQL', () => {
  let schema: SchemaDbs;
  let db: Db;

  beforeAll(async () => {
    schema = await freshSchema(realStack().databaseUrl, 'event_store');
    db = schema.open();
    await runMigrations(db, eventStoreMigrations);
  });
  afterAll(() => schema.dispose());

  describeEventStoreContract('PostgresEventStore', () => new PostgresEventStore(db));

  it('lets exactly one of several concurrent appends at the same version win', async () => {
    const streamId = uniqueStreamId();
    await new PostgresEventStore(db).appendToStream(streamId, 0, pendingEvents(1), options);
    // One pool per writer, as if each were a separate service instance.
    const writers = Array.from({ length: 6 }, () => new PostgresEventStore(schema.open(1)));
    const attempts = writers.map((store) => {
      const events = pendingEvents(2);
      return { events, result: store.appendToStream(streamId, 1, events, options) };
    });
    const settled = await Promise.allSettled(attempts.map((attempt) => attempt.result));

    const winners = settled.flatMap((outcome, n) => (outcome.status === 'fulfilled' ? [attempts[n].events] : []));
    const losers = settled.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(5);
    losers.forEach((error) => expect(error).toBeInstanceOf(StreamVersionConflictError));
    losers.forEach((error) => expect(error).toMatchObject({ expected: 1, actual: 3 }));

    const stream = await new PostgresEventStore(db).readStream(streamId);
    expect(stream.version).toBe(3);
    expect(stream.events.slice(1).map((event) => event.id)).toEqual(winners[0].map((event) => event.id));
    const outbox = await db.query<{ event_id: string }>('SELECT event_id FROM outbox WHERE key = $1 ORDER BY id', [streamId]);
    expect(outbox.rows.map((row) => row.event_id)).toEqual(stream.events.map((event) => event.id));
  });

  it('writes the outbox rows in the same transaction as the events, and none for a refused append', async () => {
    const store = new PostgresEventStore(db);
    const streamId = uniqueStreamId();
    const { events } = await store.appendToStream(streamId, 0, pendingEvents(3), { topic: 'airlock.other.v1', key: 'request-7' });
    const refused = pendingEvents(2);
    await expect(store.appendToStream(streamId, 0, refused, options)).rejects.toBeInstanceOf(StreamVersionConflictError);

    const { rows } = await db.query<{ event_id: string; topic: string; key: string; payload: unknown; published_at: Date | null }>(
      'SELECT event_id, topic, key, payload, published_at FROM outbox WHERE event_id = ANY($1) ORDER BY id',
      [[...events, ...refused].map((event) => event.id)],
    );
    expect(rows).toEqual(
      events.map((envelope) => ({ event_id: envelope.id, topic: 'airlock.other.v1', key: 'request-7', payload: envelope, published_at: null })),
    );
  });

  it('serialises appends to one stream without blocking other streams', async () => {
    const store = new PostgresEventStore(db);
    const streams = Array.from({ length: 4 }, () => uniqueStreamId());
    // Sequential appends per stream, streams in parallel: every append must succeed.
    await Promise.all(
      streams.map(async (streamId) => {
        for (let version = 0; version < 5; version += 1) await store.appendToStream(streamId, version, pendingEvents(1), options);
      }),
    );
    for (const streamId of streams) expect((await store.readStream(streamId)).version).toBe(5);
  });
});
