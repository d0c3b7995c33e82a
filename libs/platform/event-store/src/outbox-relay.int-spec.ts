import type { EventEnvelope } from '@airlock/contracts';
import { runMigrations, type Db } from '@airlock/database';
import { KafkaMessageBus, type ReceivedMessage } from '@airlock/messaging';
import { expectEventually, realStack, uniqueId } from '@airlock/testing';
import { Kafka, logLevel } from 'kafkajs';
import { eventStoreMigrations } from './event-store.migrations';
import { pendingEvents, uniqueStreamId } from './event-store.test-kit';
import { OutboxRelay, type OutboxMessage, type OutboxPublisher } from './outbox-relay';
import { PostgresEventStore } from './postgres-event-store';
import { freshSchema, type SchemaDbs } from './postgres.test-kit';

jest.setTimeout(60_000);

/** Appends `appends` batches of one to three events to each stream, one stream after another in turn. */
async function appendInTurns(store: PostgresEventStore, streams: string[], topic: string, appends: number): Promise<EventEnvelope[]> {
  const appended: EventEnvelope[] = [];
  const versions = new Map<string, number>();
  for (let turn = 0; turn < appends; turn += 1) {
    for (const streamId of streams) {
      const result = await store.appendToStream(streamId, versions.get(streamId) ?? 0, pendingEvents(1 + (turn % 3)), { topic });
      versions.set(streamId, result.version);
      appended.push(...result.events);
    }
  }
  return appended;
}

function versionsByStream(received: ReceivedMessage[]): Map<string, number[]> {
  const byStream = new Map<string, number[]>();
  for (const message of received) {
    const envelope = JSON.parse(message.value) as EventEnvelope;
    byStream.set(envelope.streamId, [...(byStream.get(envelope.streamId) ?? []), envelope.streamVersion]);
  }
  return byStream;
}

async function messagesInTopic(topic: string): Promise<number> {
  const admin = new Kafka({ clientId: uniqueId('count'), brokers: realStack().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('OutboxRelay with real PostgreSQL and Kafka', () => {
  let schema: SchemaDbs;
  let db: Db;
  let bus: KafkaMessageBus;
  const relays: OutboxRelay[] = [];
  const subscriptions: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    schema = await freshSchema(realStack().databaseUrl, 'outbox_relay');
    db = schema.open();
    await runMigrations(db, eventStoreMigrations);
    bus = new KafkaMessageBus({ brokers: realStack().kafkaBrokers, clientId: uniqueId('relay-int') });
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
  });
  afterAll(async () => {
    await bus.close();
    await schema.dispose();
  });

  async function consume(topic: string): Promise<ReceivedMessage[]> {
    const received: ReceivedMessage[] = [];
    const subscription = await bus.subscribe({ groupId: uniqueId('relay-check'), topics: [topic], fromBeginning: true, handler: async (message) => void received.push(message) });
    subscriptions.push(subscription);
    return received;
  }

  it('publishes appended events to Kafka in stream order, keyed by stream, and marks them published', async () => {
    const topic = uniqueId('airlock.relay-test');
    const streams = [uniqueStreamId(), uniqueStreamId(), uniqueStreamId()];
    const received = await consume(topic);
    const relay = new OutboxRelay(db, bus, { batchSize: 7, pollIntervalMs: 50 });
    relays.push(relay);
    relay.start();
    const appended = await appendInTurns(new PostgresEventStore(db), streams, topic, 5);

    await expectEventually(() => expect(received).toHaveLength(appended.length));
    const byStream = versionsByStream(received);
    for (const streamId of streams) {
      const count = appended.filter((event) => event.streamId === streamId).length;
      expect(byStream.get(streamId)).toEqual(Array.from({ length: count }, (_, n) => n + 1));
    }
    expect(received.every((message) => message.key === JSON.parse(message.value).streamId)).toBe(true);
    expect(JSON.parse(received[0].value)).toEqual(appended.find((event) => event.id === JSON.parse(received[0].value).id));
    await expectEventually(async () => {
      const { rows } = await db.query('SELECT id FROM outbox WHERE event_id = ANY($1) AND published_at IS NULL', [appended.map((event) => event.id)]);
      expect(rows).toEqual([]);
    });
  });

  it('with two relays running at once, publishes each event once and keeps every stream in order', async () => {
    const topic = uniqueId('airlock.relay-race');
    const streams = Array.from({ length: 4 }, () => uniqueStreamId());
    const received = await consume(topic);
    // Two "processes": separate pools and separate Kafka producers.
    const otherBus = new KafkaMessageBus({ brokers: realStack().kafkaBrokers, clientId: uniqueId('relay-int-2') });
    try {
      for (const [relayDb, publisher] of [[db, bus], [schema.open(2), otherBus]] as const) {
        const relay = new OutboxRelay(relayDb, publisher, { batchSize: 5, pollIntervalMs: 10 });
        relays.push(relay);
        relay.start();
      }
      const appended = await appendInTurns(new PostgresEventStore(db), streams, topic, 8);

      await expectEventually(async () => {
        const { rows } = await db.query('SELECT id FROM outbox WHERE event_id = ANY($1) AND published_at IS NULL', [appended.map((event) => event.id)]);
        expect(rows).toEqual([]);
      });
      // Every publish finished before its row was marked, so the topic now holds all it ever will.
      expect(await messagesInTopic(topic)).toBe(appended.length);
      await expectEventually(() => expect(received).toHaveLength(appended.length));
      expect(new Set(received.map((message) => JSON.parse(message.value).id)).size).toBe(appended.length);
      for (const [streamId, versions] of versionsByStream(received)) {
        expect(versions).toEqual(appended.filter((event) => event.streamId === streamId).map((event) => event.streamVersion));
      }
    } finally {
      await Promise.all(relays.splice(0).map((relay) => relay.stop()));
      await otherBus.close();
    }
  });

  it('never marks a row published when the broker cannot be reached (fail closed), and delivers it once it can', async () => {
    const topic = uniqueId('airlock.relay-down');
    const { events } = await new PostgresEventStore(db).appendToStream(uniqueStreamId(), 0, pendingEvents(2), { topic });
    const unreachable = new KafkaMessageBus({ brokers: ['127.0.0.1:1'], clientId: uniqueId('relay-down') });
    try {
      await expect(new OutboxRelay(db, unreachable).relayOnce()).rejects.toThrow();
    } finally {
      await unreachable.close();
    }
    const unpublished = await db.query('SELECT id FROM outbox WHERE event_id = ANY($1) AND published_at IS NULL', [events.map((event) => event.id)]);
    expect(unpublished.rowCount).toBe(2);

    const received = await consume(topic);
    const relay = new OutboxRelay(db, bus, { pollIntervalMs: 50 });
    relays.push(relay);
    relay.start();
    await expectEventually(() => expect(received.map((message) => JSON.parse(message.value).id)).toEqual(events.map((event) => event.id)));
  });

  it('keeps retrying with back-off while publishing fails, then catches up', async () => {
    let failuresLeft = 3;
    const published: OutboxMessage[] = [];
    const flaky: OutboxPublisher = {
      publish: async (messages) => {
        if (failuresLeft-- > 0) throw new Error('broker unavailable');
        published.push(...messages);
      },
    };
    const { events } = await new PostgresEventStore(db).appendToStream(uniqueStreamId(), 0, pendingEvents(2), { topic: 'airlock.flaky.v1' });
    const relay = new OutboxRelay(db, flaky, { pollIntervalMs: 20, maxBackoffMs: 200 });
    relays.push(relay);
    relay.start();
    await expectEventually(() => expect(published.map((message) => JSON.parse(message.value).id)).toEqual(expect.arrayContaining(events.map((event) => event.id))));
  });
});
