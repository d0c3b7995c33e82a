// Proves kafkajs 2.2.4 works with the Kafka we run (consumer groups, rebalances, manual commits).
import { expectEventually, realStack, uniqueId } from '@airlock/testing';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaMessageBus } from './kafka-message-bus';
import type { Subscription } from './message-bus';
import { describeMessageBusContract } from './message-bus.contract';

describe('KafkaMessageBus on real Kafka', () => {
  let bus: KafkaMessageBus;
  beforeAll(() => {
    bus = new KafkaMessageBus({ brokers: realStack().kafkaBrokers, clientId: uniqueId('messaging-int'), retry: { initialMs: 100, maxMs: 1_000 } });
  });
  afterAll(() => bus.close());

  describeMessageBusContract('KafkaMessageBus', () => bus, { testTimeoutMs: 60_000, waitMs: 30_000 });
});

describe('KafkaMessageBus topics and logs', () => {
  it('creates its topics with three partitions and routes kafkajs logs into our logger', async () => {
    const entries: { fields: Record<string, unknown>; message?: string }[] = [];
    const record = (fields: Record<string, unknown>, message?: string) => void entries.push({ fields, message });
    const bus = new KafkaMessageBus({
      brokers: realStack().kafkaBrokers,
      clientId: uniqueId('messaging-int'),
      logger: { debug: record, info: record, warn: record, error: record },
    });
    const topic = uniqueId('topic');
    try {
      await bus.publish([{ topic, key: 'k', value: 'v' }]);
      const subscription = await bus.subscribe({ groupId: uniqueId('group'), topics: [topic], handler: async () => undefined });
      await subscription.stop();
    } finally {
      await bus.close();
    }
    const admin = new Kafka({ clientId: uniqueId('admin'), brokers: realStack().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(topics[0].partitions).toHaveLength(3);
    } finally {
      await admin.disconnect();
    }
    expect(entries.some(({ fields }) => fields.component === 'kafkajs')).toBe(true);
  }, 30_000);
});

describe('KafkaMessageBus with a handler slower than the session timeout', () => {
  it('keeps the member in its group, so the message is not handed to another member meanwhile', async () => {
    // 6 s is the broker's smallest allowed session timeout (group.min.session.timeout.ms).
    const bus = new KafkaMessageBus({
      brokers: realStack().kafkaBrokers,
      clientId: uniqueId('messaging-int'),
      consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 },
    });
    const topic = uniqueId('topic');
    const groupId = uniqueId('group');
    const starts: string[] = [];
    const finished: string[] = [];
    // The handler's duration is the subject under test (simulated slow work), not a wait for an outcome.
    const slowScan = (member: string) => async () => {
      starts.push(member);
      await new Promise((resolve) => setTimeout(resolve, 9_000));
      finished.push(member);
    };
    const subscriptions: Subscription[] = [];
    try {
      subscriptions.push(await bus.subscribe({ groupId, topics: [topic], handler: slowScan('one') }));
      subscriptions.push(await bus.subscribe({ groupId, topics: [topic], handler: slowScan('two') }));
      await bus.publish([{ topic, key: 'request-1', value: 'large file' }]);
      await expectEventually(() => expect(finished).toHaveLength(1), { timeoutMs: 30_000 });
      expect(starts).toHaveLength(1);
    } finally {
      await Promise.all(subscriptions.map((subscription) => subscription.stop()));
      await bus.close();
    }
  }, 60_000);
});

describe('KafkaMessageBus when services boot at once on a fresh broker', () => {
  // CI once saw the audit service exit at boot with UNKNOWN_TOPIC_OR_PARTITION: another service had
  // just created the topics, so audit's createTopics returned at once, before their leaders were known.
  it('lets every member subscribe and receive while the topics are created under it', async () => {
    const rounds = 4;
    const members = 4;
    for (let round = 0; round < rounds; round += 1) {
      const topics = [uniqueId('boot-a'), uniqueId('boot-b'), uniqueId('boot-c')];
      const buses = Array.from({ length: members }, () => new KafkaMessageBus({ brokers: realStack().kafkaBrokers, clientId: uniqueId('boot') }));
      const received = buses.map(() => new Set<string>());
      const admin = new Kafka({ clientId: uniqueId('boot-admin'), brokers: realStack().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        // Another service creates the topics without waiting for their leaders, as the members boot.
        const creating = admin.createTopics({ waitForLeaders: false, topics: topics.map((topic) => ({ topic, numPartitions: 3 })) });
        await new Promise((resolve) => setTimeout(resolve, 5 * round));
        const subscriptions = await Promise.all(
          buses.map((bus, member) =>
            bus.subscribe({
              groupId: uniqueId(`boot-group-${member}`),
              topics,
              fromBeginning: true,
              handler: async (message) => void received[member].add(`${message.topic}/${message.key}`),
            }),
          ),
        );
        await buses[0].publish(topics.map((topic) => ({ topic, key: `round-${round}`, value: 'v' })));
        await expectEventually(() => received.forEach((seen) => expect(seen.size).toBe(topics.length)), { timeoutMs: 30_000 });
        await Promise.all(subscriptions.map((subscription) => subscription.stop()));
        await creating;
      } finally {
        await admin.disconnect();
        await Promise.all(buses.map((bus) => bus.close()));
      }
    }
  }, 240_000);
});

describe('KafkaMessageBus with many keys on one partition', () => {
  const oneBus = (concurrentKeys: number) =>
    new KafkaMessageBus({
      brokers: realStack().kafkaBrokers,
      clientId: uniqueId('keys-int'),
      topicPartitions: 1,
      retry: { initialMs: 200, maxMs: 400 },
      consumer: { concurrentKeys },
    });

  it('handles other keys while one key is busy, each key in its own order', async () => {
    const bus = oneBus(4);
    const topic = uniqueId('keys');
    const handled: string[] = [];
    let releaseSlow: () => void = () => undefined;
    const slowHeld = new Promise<void>((resolve) => (releaseSlow = resolve));
    let subscription: Subscription | undefined;
    try {
      // One partition: before, key "slow" held every message behind it until it finished.
      await bus.publish([
        { topic, key: 'slow', value: 'slow-1' },
        ...['a', 'b', 'c'].flatMap((key) => [1, 2, 3].map((n) => ({ topic, key, value: `${key}-${n}` }))),
        { topic, key: 'slow', value: 'slow-2' },
      ]);
      subscription = await bus.subscribe({
        groupId: uniqueId('group'),
        topics: [topic],
        fromBeginning: true,
        handler: async (message) => {
          if (message.value === 'slow-1') await slowHeld;
          handled.push(message.value);
        },
      });
      // Every other key is done while "slow-1" is still held: they did not wait behind it.
      await expectEventually(() => expect(handled).toHaveLength(9), { timeoutMs: 30_000 });
      expect(handled).not.toContain('slow-1');
      expect(handled).not.toContain('slow-2');
      releaseSlow();
      await expectEventually(() => expect(handled).toHaveLength(11), { timeoutMs: 30_000 });
      for (const key of ['a', 'b', 'c', 'slow']) {
        const own = handled.filter((value) => value.startsWith(`${key}-`));
        expect(own).toEqual([...own].sort());
      }
      expect(handled.indexOf('slow-1')).toBeLessThan(handled.indexOf('slow-2'));
    } finally {
      releaseSlow();
      await subscription?.stop();
      await bus.close();
    }
  }, 60_000);

  it('after a failure, moves the committed offset no further than the failed message, and handles nothing twice', async () => {
    const bus = oneBus(4);
    const topic = uniqueId('keys');
    const groupId = uniqueId('group');
    const handled: string[] = [];
    let failuresLeft = 2;
    let subscription: Subscription | undefined;
    try {
      await bus.publish([
        { topic, key: 'x', value: 'x-1' },
        { topic, key: 'flaky', value: 'flaky-1' },
        { topic, key: 'flaky', value: 'flaky-2' },
        { topic, key: 'y', value: 'y-1' },
      ]);
      subscription = await bus.subscribe({
        groupId,
        topics: [topic],
        fromBeginning: true,
        handler: async (message) => {
          if (message.value === 'flaky-1' && failuresLeft-- > 0) throw new Error('the scanner is down');
          handled.push(message.value);
        },
      });
      await expectEventually(() => expect([...handled].sort()).toEqual(['flaky-1', 'flaky-2', 'x-1', 'y-1']), { timeoutMs: 30_000 });
      // The failed key's second message waited for its first; the redeliveries handled no one twice.
      expect(handled.indexOf('flaky-1')).toBeLessThan(handled.indexOf('flaky-2'));
      expect(failuresLeft).toBe(-1);
      await subscription.stop();
      subscription = undefined;
      // Everything is committed: a new member of the group is handed nothing.
      const again: string[] = [];
      subscription = await bus.subscribe({ groupId, topics: [topic], handler: async (message) => void again.push(message.value) });
      await bus.publish([{ topic, key: 'z', value: 'z-1' }]);
      await expectEventually(() => expect(again).toEqual(['z-1']), { timeoutMs: 30_000 });
      expect(handled).toHaveLength(4);
    } finally {
      await subscription?.stop();
      await bus.close();
    }
  }, 60_000);
});
