// Smoke test on the embedded default (PGlite): no server needed. Concurrency and the
// relay-to-Kafka path are proven against real PostgreSQL in the *.int-spec.ts files.
import { createDb, runMigrations, startEmbeddedPostgres, type Db, type EmbeddedPostgres } from '@airlock/database';
import { describeEventStoreContract } from './event-store.contract';
import { eventStoreMigrations } from './event-store.migrations';
import { pendingEvents, uniqueStreamId } from './event-store.test-kit';
import { OutboxRelay, type OutboxMessage, type OutboxPublisher } from './outbox-relay';
import { PostgresEventStore } from './postgres-event-store';

/** Records what it was given, or refuses like a broker that is down. */
class RecordingPublisher implements OutboxPublisher {
  readonly published: OutboxMessage[] = [];
  failing = false;
  async publish(messages: OutboxMessage[]): Promise<void> {
    if (this.failing) throw new Error('broker unavailable');
    this.published.push(...messages);
  }
}

describe('PostgresEventStore on embedded PostgreSQL', () => {
  let embedded: EmbeddedPostgres;
  let db: Db;

  beforeAll(async () => {
    embedded = await startEmbeddedPostgres();
    db = createDb({ url: embedded.url, max: 1 });
    await runMigrations(db, eventStoreMigrations);
  }, 60_000);

  afterAll(async () => {
    await db.close();
    await embedded.stop();
  });

  describeEventStoreContract('PostgresEventStore (PGlite)', () => new PostgresEventStore(db));

  it('writes one outbox row per event carrying the full envelope, keyed by stream id by default', async () => {
    const streamId = uniqueStreamId();
    const { events } = await new PostgresEventStore(db).appendToStream(streamId, 0, pendingEvents(2), { topic: 'airlock.t.v1' });
    const { rows } = await db.query<{ topic: string; key: string; payload: unknown; published_at: Date | null }>(
      'SELECT topic, key, payload, published_at FROM outbox WHERE event_id = ANY($1) ORDER BY id',
      [events.map((event) => event.id)],
    );
    expect(rows).toEqual(events.map((envelope) => ({ topic: 'airlock.t.v1', key: streamId, payload: envelope, published_at: null })));
  });

  describe('outbox relay', () => {
    it('publishes unpublished rows in order with the envelope as the value, then marks them', async () => {
      const publisher = new RecordingPublisher();
      const streamId = uniqueStreamId();
      const { events } = await new PostgresEventStore(db).appendToStream(streamId, 0, pendingEvents(3), { topic: 'airlock.t.v1', key: 'k' });
      const relay = new OutboxRelay(db, publisher, { batchSize: 1_000 });
      while ((await relay.relayOnce()) > 0);
      const mine = publisher.published.filter((message) => message.key === 'k');
      expect(mine.map((message) => JSON.parse(message.value))).toEqual(events);
      expect(mine[0].headers).toMatchObject({ ce_id: events[0].id, ce_type: events[0].type });
      const { rows } = await db.query('SELECT id FROM outbox WHERE published_at IS NULL');
      expect(rows).toEqual([]);
    });

    it('leaves rows unpublished when the broker refuses them (fail closed)', async () => {
      const publisher = new RecordingPublisher();
      publisher.failing = true;
      const { events } = await new PostgresEventStore(db).appendToStream(uniqueStreamId(), 0, pendingEvents(2), { topic: 'airlock.t.v1' });
      const relay = new OutboxRelay(db, publisher);
      await expect(relay.relayOnce()).rejects.toThrow('broker unavailable');
      const unpublished = await db.query('SELECT id FROM outbox WHERE event_id = ANY($1) AND published_at IS NULL', [events.map((e) => e.id)]);
      expect(unpublished.rowCount).toBe(2);
      publisher.failing = false;
      while ((await relay.relayOnce()) > 0);
      expect(publisher.published.map((message) => JSON.parse(message.value).id)).toEqual(expect.arrayContaining(events.map((e) => e.id)));
    });
  });
});
