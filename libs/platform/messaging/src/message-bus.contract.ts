import { Topics } from '@airlock/contracts';
// Not a *.spec.ts file, so the lint exception for tests does not reach it; it is only used by tests.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { expectEventually, uniqueId } from '@airlock/testing';
import { DeadLetterHeaders } from './dead-letter';
import type { BusMessage, MessageBus, ReceivedMessage, Subscription } from './message-bus';
import { PermanentMessageError } from './messaging.errors';

export type ContractOptions = { testTimeoutMs: number; waitMs: number };

const messagesFor = (topic: string, key: string, values: string[]): BusMessage[] => values.map((value) => ({ topic, key, value }));
const range = (count: number, prefix = 'm') => Array.from({ length: count }, (_, n) => `${prefix}${n}`);

/** Behaviour every MessageBus must share; run against the in-process bus and against Kafka. */
export function describeMessageBusContract(name: string, busFor: () => MessageBus, { testTimeoutMs, waitMs }: ContractOptions): void {
  describe(`${name}: the MessageBus contract`, () => {
    const subscriptions: Subscription[] = [];
    const eventually = <T>(assertion: () => T) => expectEventually(assertion, { timeoutMs: waitMs, intervalMs: 25 });

    async function subscribe(topics: string[], handler: (message: ReceivedMessage) => Promise<void>, groupId = uniqueId('group'), fromBeginning = false) {
      const subscription = await busFor().subscribe({ groupId, topics, fromBeginning, handler });
      subscriptions.push(subscription);
      return subscription;
    }

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
    }, testTimeoutMs);

    it(
      'delivers a message with its key, value, headers, partition and offset',
      async () => {
        const topic = uniqueId('topic');
        const received: ReceivedMessage[] = [];
        await subscribe([topic], async (message) => void received.push(message));
        await busFor().publish([{ topic, key: 'request-1', value: '{"n":1}', headers: { 'ce-type': 'airlock.test.v1' } }]);
        await eventually(() => expect(received).toHaveLength(1));
        expect(received[0]).toMatchObject({ topic, key: 'request-1', value: '{"n":1}', headers: { 'ce-type': 'airlock.test.v1' } });
        expect(received[0].partition).toEqual(expect.any(Number));
        expect(received[0].offset).toMatch(/^\d+$/);
      },
      testTimeoutMs,
    );

    it(
      'starts a new group at the next message unless asked to start from the beginning',
      async () => {
        const topic = uniqueId('topic');
        await busFor().publish(messagesFor(topic, 'k', ['before']));
        const fromNow: string[] = [];
        const fromStart: string[] = [];
        await subscribe([topic], async (message) => void fromNow.push(message.value));
        await subscribe([topic], async (message) => void fromStart.push(message.value), uniqueId('group'), true);
        await busFor().publish(messagesFor(topic, 'k', ['after']));
        await eventually(() => expect(fromStart).toEqual(['before', 'after']));
        await eventually(() => expect(fromNow).toEqual(['after']));
      },
      testTimeoutMs,
    );

    it(
      'keeps the order of each key',
      async () => {
        const topic = uniqueId('topic');
        const keys = ['a', 'b', 'c', 'd', 'e'];
        const seen = new Map<string, number[]>(keys.map((key) => [key, []]));
        await subscribe([topic], async (message) => void seen.get(message.key)?.push(Number(message.value)));
        for (let batch = 0; batch < 4; batch += 1) {
          const interleaved = range(10).flatMap((_, n) => keys.map((key) => ({ topic, key, value: String(batch * 10 + n) })));
          await busFor().publish(interleaved);
        }
        const expected = range(40).map((_, n) => n);
        await eventually(() => keys.forEach((key) => expect(seen.get(key)).toEqual(expected)));
      },
      testTimeoutMs,
    );

    it(
      'delivers every message to each group',
      async () => {
        const topic = uniqueId('topic');
        const [first, second]: string[][] = [[], []];
        await subscribe([topic], async (message) => void first.push(message.value));
        await subscribe([topic], async (message) => void second.push(message.value));
        await busFor().publish(range(6).map((value, n) => ({ topic, key: `k${n}`, value })));
        await eventually(() => expect([first.sort(), second.sort()]).toEqual([range(6), range(6)]));
      },
      testTimeoutMs,
    );

    it(
      'hands a group that names its event types only those, and messages that carry no type; the others are passed over, not held',
      async () => {
        const topic = uniqueId('topic');
        const groupId = uniqueId('group');
        const typed = (value: string, type?: string): BusMessage => ({ topic, key: 'request-1', value, ...(type && { headers: { ce_type: type } }) });
        const seen: string[] = [];
        const subscription = await busFor().subscribe({
          groupId,
          topics: [topic],
          eventTypes: ['airlock.wanted.v1'],
          handler: async (message) => void seen.push(message.value),
        });
        subscriptions.push(subscription);
        const everything: string[] = [];
        await subscribe([topic], async (message) => void everything.push(message.value));
        await busFor().publish([
          typed('other-1', 'airlock.other.v1'),
          typed('wanted-1', 'airlock.wanted.v1'),
          typed('untyped'),
          typed('other-2', 'airlock.other.v1'),
          typed('wanted-2', 'airlock.wanted.v1'),
        ]);
        await eventually(() => expect(everything).toEqual(['other-1', 'wanted-1', 'untyped', 'other-2', 'wanted-2']));
        await eventually(() => expect(seen).toEqual(['wanted-1', 'untyped', 'wanted-2']));
        // The skipped messages count as done: a member joining the group after this one starts behind them all.
        await subscription.stop();
        subscriptions.splice(subscriptions.indexOf(subscription), 1);
        const later: string[] = [];
        await subscribe([topic], async (message) => void later.push(message.value), groupId);
        await busFor().publish([typed('wanted-3', 'airlock.wanted.v1')]);
        await eventually(() => expect(later).toEqual(['wanted-3']));
      },
      testTimeoutMs,
    );

    it(
      'shares partitions within a group: each message once; a leaving member hands its partitions over',
      async () => {
        const topic = uniqueId('topic');
        const groupId = uniqueId('group');
        const [byOne, byTwo]: string[][] = [[], []];
        const one = await subscribe([topic], async (message) => void byOne.push(message.value), groupId);
        await subscribe([topic], async (message) => void byTwo.push(message.value), groupId);
        const firstBatch = range(30, 'first-');
        await busFor().publish(firstBatch.map((value, n) => ({ topic, key: `request-${n}`, value })));
        await eventually(() => expect([...byOne, ...byTwo].sort()).toEqual([...firstBatch].sort()));
        // Both members got a share: three partitions over two members.
        expect(byOne.length).toBeGreaterThan(0);
        expect(byTwo.length).toBeGreaterThan(0);

        await one.stop();
        const onesShare = byOne.length;
        const secondBatch = range(30, 'second-');
        await busFor().publish(secondBatch.map((value, n) => ({ topic, key: `request-${n}`, value })));
        await eventually(() => expect(byTwo.filter((value) => value.startsWith('second-')).sort()).toEqual([...secondBatch].sort()));
        expect(byOne).toHaveLength(onesShare);
        expect(byOne.length + byTwo.length).toBe(firstBatch.length + secondBatch.length); // nothing handled twice
      },
      testTimeoutMs,
    );

    it(
      'redelivers a message whose handler failed, holding back the messages behind it',
      async () => {
        const topic = uniqueId('topic');
        const attempts: string[] = [];
        let failuresLeft = 2;
        await subscribe([topic], async (message) => {
          attempts.push(message.value);
          if (message.value === 'first' && failuresLeft-- > 0) throw new Error('downstream unavailable');
        });
        await busFor().publish(messagesFor(topic, 'same-key', ['first', 'second']));
        await eventually(() => expect(attempts).toEqual(['first', 'first', 'first', 'second']));
      },
      testTimeoutMs,
    );

    it(
      'dead-letters a message that can never succeed, naming the error and origin, and moves on',
      async () => {
        const topic = uniqueId('topic');
        const deadLetters: ReceivedMessage[] = [];
        await subscribe([Topics.deadLetters], async (message) => {
          if (message.headers?.[DeadLetterHeaders.originTopic] === topic) deadLetters.push(message);
        });
        const handled: string[] = [];
        const groupId = uniqueId('group');
        await subscribe(
          [topic],
          async (message) => {
            if (message.value === 'poison') throw new PermanentMessageError('unknown schema version');
            handled.push(message.value);
          },
          groupId,
        );
        await busFor().publish([
          { topic, key: 'k', value: 'poison', headers: { trace: 't-1' } },
          { topic, key: 'k', value: 'next' },
        ]);
        await eventually(() => expect(handled).toEqual(['next']));
        await eventually(() => expect(deadLetters).toHaveLength(1));
        expect(deadLetters[0]).toMatchObject({
          key: 'k',
          value: 'poison',
          headers: {
            trace: 't-1',
            [DeadLetterHeaders.errorName]: 'PermanentMessageError',
            [DeadLetterHeaders.errorMessage]: 'unknown schema version',
            [DeadLetterHeaders.originTopic]: topic,
            [DeadLetterHeaders.consumerGroup]: groupId,
          },
        });
      },
      testTimeoutMs,
    );

    it(
      'resumes a group from its committed offsets after its members restart',
      async () => {
        const topic = uniqueId('topic');
        const groupId = uniqueId('group');
        const firstRun: string[] = [];
        const first = await subscribe([topic], async (message) => void firstRun.push(message.value), groupId);
        await busFor().publish(messagesFor(topic, 'k', ['a', 'b']));
        await eventually(() => expect(firstRun).toEqual(['a', 'b']));
        await first.stop();
        await busFor().publish(messagesFor(topic, 'k', ['c']));
        const secondRun: string[] = [];
        await subscribe([topic], async (message) => void secondRun.push(message.value), groupId, true);
        await eventually(() => expect(secondRun).toEqual(['c']));
      },
      testTimeoutMs,
    );
  });
}
