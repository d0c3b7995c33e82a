import type { EventEnvelope } from '@airlock/contracts';
import { runMigrations, type Db } from '@airlock/database';
import { KafkaMessageBus, type ReceivedMessage } from '@airlock/messaging';
import { expectEventually, realStack, uniqueId } from '@airlock/testing';
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { eventStoreMigrations } from './event-store.migrations';
import { pendingEvents, uniqueStreamId } from './event-store.test-kit';
import { OutboxRelay, OUTBOX_PARKED_TYPE, type OutboxMessage, type OutboxPublisher } from './outbox-relay';
import { replayParked } from './outbox-parking';
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

/** A topic whose broker refuses any message over `maxMessageBytes` (Kafka's max.message.bytes). */
async function createSmallTopic(topic: string, maxMessageBytes: number): Promise<void> {
  const admin = new Kafka({ clientId: uniqueId('small-topic'), brokers: realStack().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: String(maxMessageBytes) }] }],
    });
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
    const subscription = await bus.subscribe({
      groupId: uniqueId('relay-check'),
      topics: [topic],
      fromBeginning: true,
      handler: async (message) => void received.push(message),
    });
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
      for (const [relayDb, publisher] of [
        [db, bus],
        [schema.open(2), otherBus],
      ] as const) {
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
    await expectEventually(() =>
      expect(published.map((message) => JSON.parse(message.value).id)).toEqual(expect.arrayContaining(events.map((event) => event.id))),
    );
  });

  it('publishes an append at once when the store nudges it, though its poll would wait ten minutes', async () => {
    const published: OutboxMessage[] = [];
    const relay = new OutboxRelay(db, { publish: async (messages) => void published.push(...messages) }, { pollIntervalMs: 600_000 });
    relays.push(relay);
    relay.start();
    // The first round finds nothing it needs to publish for these streams; the relay then sleeps.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const store = new PostgresEventStore(db, { onCommitted: () => relay.nudge() });
    const { events } = await store.appendToStream(uniqueStreamId(), 0, pendingEvents(2), { topic: 'airlock.nudged.v1' });
    await expectEventually(() => expect(published.map((message) => JSON.parse(message.value).id)).toEqual(expect.arrayContaining(events.map((e) => e.id))), {
      timeoutMs: 20_000,
    });
  });

  it('does not let nudges cut short its back-off while the broker is down', async () => {
    let attempts = 0;
    const down: OutboxPublisher = {
      publish: async () => {
        attempts += 1;
        throw new Error('broker unavailable');
      },
    };
    await new PostgresEventStore(db).appendToStream(uniqueStreamId(), 0, pendingEvents(1), { topic: 'airlock.down.v1' });
    // The first failure backs off 2 x 30 s: nothing may be tried again within this test.
    const relay = new OutboxRelay(db, down, { pollIntervalMs: 30_000, maxBackoffMs: 60_000 });
    relays.push(relay);
    relay.start();
    await expectEventually(() => expect(attempts).toBe(1));
    for (let i = 0; i < 20; i += 1) {
      relay.nudge();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(attempts).toBe(1);
  });

  describe('a message the broker can never take (invariant 9: no slow poison)', () => {
    it('parks it after bounded retries, holds back only its own stream, keeps every other stream flowing, counts and audits it', async () => {
      const topic = uniqueId('airlock.relay-poison');
      await createSmallTopic(topic, 4_096);
      const audit = uniqueId('airlock.relay-poison-audit');
      const [poisoned, other] = [uniqueStreamId(), uniqueStreamId()];
      const store = new PostgresEventStore(db);
      // Published before the relay starts: the oversized event is the oldest row of the outbox.
      const [big] = (await store.appendToStream(poisoned, 0, pendingEvents(1, { data: { text: 'x'.repeat(20_000) } }), { topic })).events;
      const afterBig = (await store.appendToStream(other, 0, pendingEvents(3), { topic })).events;
      const heldBack = (await store.appendToStream(poisoned, 1, pendingEvents(1), { topic })).events;

      const received = await consume(topic);
      const audited = await consume(audit);
      const registry = new Registry();
      const logged: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
      const relay = new OutboxRelay(db, bus, {
        pollIntervalMs: 20,
        maxBackoffMs: 100,
        maxAttempts: 3,
        retryBackoffMs: 10,
        auditTopic: audit,
        logger: capturingLogger(logged),
      });
      relay.registerMetrics(registry);
      relays.push(relay);
      relay.start();

      // Other streams flow although an older row cannot be published.
      await expectEventually(() => expect(received.map((m) => JSON.parse(m.value).id)).toEqual(expect.arrayContaining(afterBig.map((e) => e.id))));
      await expectEventually(async () => {
        const { rows } = await db.query<{ parked_at: Date | null; attempts: number; park_reason: string | null }>(
          'SELECT parked_at, attempts, park_reason FROM outbox WHERE event_id = $1',
          [big.id],
        );
        expect(rows[0].parked_at).not.toBeNull();
        expect(rows[0].attempts).toBe(3);
        expect(rows[0].park_reason).toMatch(/too large|MESSAGE_TOO_LARGE|larger/i);
      });
      // The parked stream's later event is held back, to keep the stream's order.
      const { rows: held } = await db.query('SELECT published_at, parked_at FROM outbox WHERE event_id = $1', [heldBack[0].id]);
      expect(held[0]).toEqual({ published_at: null, parked_at: null });
      expect(received.map((m) => JSON.parse(m.value).id)).not.toContain(heldBack[0].id);

      // An audit record through the normal path, naming the event but never carrying its data.
      await expectEventually(() => expect(audited).toHaveLength(1));
      const record = JSON.parse(audited[0].value);
      expect(record).toMatchObject({
        type: OUTBOX_PARKED_TYPE,
        data: { eventId: big.id, eventType: big.type, streamId: poisoned, topic, attempts: 3, sizeBytes: expect.any(Number) },
      });
      expect(record.data.sizeBytes).toBeGreaterThan(20_000);
      expect(audited[0].value).not.toContain('xxxxxxxx');
      // Metrics: a gauge of parked rows and a counter of parkings.
      const metrics = await registry.metrics();
      expect(metrics).toMatch(/airlock_outbox_parked_messages(\{[^}]*\})? [1-9]/);
      expect(metrics).toMatch(/airlock_outbox_parked_total(\{[^}]*\})? 1/);
      // An alert-level log naming the event, without its data.
      const alert = logged.find((line) => line.fields['alert'] === true);
      expect(alert).toMatchObject({ level: 'error', fields: { eventId: big.id, streamId: poisoned, topic } });
      expect(JSON.stringify(alert)).not.toContain('xxxxxxxx');

      // Another stream appended after the parking still flows.
      const later = (await store.appendToStream(other, 3, pendingEvents(1), { topic })).events;
      await expectEventually(() => expect(received.map((m) => JSON.parse(m.value).id)).toContain(later[0].id));
      expect(received.map((m) => JSON.parse(m.value).id)).not.toContain(heldBack[0].id);
    });

    it("replays a parked row on an operator's command, and then releases the stream it held back", async () => {
      const topic = uniqueId('airlock.relay-replay');
      await createSmallTopic(topic, 4_096);
      const streamId = uniqueStreamId();
      const store = new PostgresEventStore(db);
      const [big] = (await store.appendToStream(streamId, 0, pendingEvents(1, { data: { text: 'y'.repeat(10_000) } }), { topic })).events;
      const [next] = (await store.appendToStream(streamId, 1, pendingEvents(1), { topic })).events;
      const relay = new OutboxRelay(db, bus, { maxAttempts: 2, retryBackoffMs: 1, auditTopic: uniqueId('airlock.relay-replay-audit') });
      for (let round = 0; round < 10 && !(await parkedAt(big.id)); round += 1) await relay.relayOnce();
      expect(await parkedAt(big.id)).not.toBeNull();

      // The operator raises the topic's limit, then replays.
      const admin = new Kafka({ clientId: uniqueId('alter'), brokers: realStack().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: 2, name: topic, configEntries: [{ name: 'max.message.bytes', value: '1048576' }] }],
      });
      await admin.disconnect();
      expect(await replayParked(db, { eventIds: [big.id], by: 'operator-1' })).toEqual([big.id]);
      const received = await consume(topic);
      await expectEventually(async () => {
        await relay.relayOnce();
        expect(received.map((m) => JSON.parse(m.value).id)).toEqual([big.id, next.id]);
      });
    });
  });

  async function parkedAt(eventId: string): Promise<Date | null> {
    const { rows } = await db.query<{ parked_at: Date | null }>('SELECT parked_at FROM outbox WHERE event_id = $1', [eventId]);
    return rows[0]?.parked_at ?? null;
  }
});

function capturingLogger(lines: { level: string; fields: Record<string, unknown>; msg: string }[]) {
  const at = (level: string) => (fields: unknown, msg?: string) =>
    void lines.push({ level, fields: typeof fields === 'object' && fields ? (fields as Record<string, unknown>) : {}, msg: msg ?? String(fields) });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
