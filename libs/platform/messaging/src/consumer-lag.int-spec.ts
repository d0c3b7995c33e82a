import { expectEventually, realStack, uniqueId } from '@airlock/testing';
import { Registry } from 'prom-client';
import { registerBusMetrics } from './bus-metrics';
import { InProcessMessageBus } from './in-process-message-bus';
import { KafkaMessageBus } from './kafka-message-bus';
import type { MessageBus } from './message-bus';

// `airlock_consumer_lag{group,topic}` moves with the work waiting: up while a handler is held,
// back to 0 once it has caught up, on real Kafka (asked of the broker) and on the in-process bus.
jest.setTimeout(90_000);

async function lagOf(registry: Registry, group: string): Promise<number | undefined> {
  const metric = await registry.getSingleMetric('airlock_consumer_lag')?.get();
  return metric?.values.find((v) => v.labels.group === group)?.value;
}

async function provesLagMoves(bus: MessageBus): Promise<void> {
  const registry = new Registry();
  registerBusMetrics(bus, registry);
  const topic = uniqueId('lag-topic');
  const group = uniqueId('lag-group');
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let handled = 0;
  // Created first so the group starts before the messages arrive.
  await bus.publish([{ topic, key: 'k', value: 'first' }]);
  const subscription = await bus.subscribe({
    groupId: group,
    topics: [topic],
    fromBeginning: true,
    handler: async () => {
      await held;
      handled += 1;
    },
  });
  try {
    await bus.publish(Array.from({ length: 4 }, (_, n) => ({ topic, key: 'k', value: `m${n}` })));
    // One key, one partition: the first message is in flight and four wait behind it.
    await expectEventually(async () => expect(await lagOf(registry, group)).toBe(5), { timeoutMs: 30_000, intervalMs: 200 });
    release();
    await expectEventually(
      async () => {
        expect(handled).toBe(5);
        expect(await lagOf(registry, group)).toBe(0);
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  } finally {
    release();
    await subscription.stop();
  }
}

describe('airlock_consumer_lag', () => {
  it('rises and falls on real Kafka', async () => {
    const bus = new KafkaMessageBus({ brokers: realStack().kafkaBrokers, clientId: uniqueId('lag-int'), retry: { initialMs: 100, maxMs: 1_000 } });
    try {
      await provesLagMoves(bus);
    } finally {
      await bus.close();
    }
  });

  it('rises and falls on the in-process bus', async () => {
    const bus = new InProcessMessageBus({ retry: { initialMs: 5, maxMs: 20 } });
    try {
      await provesLagMoves(bus);
    } finally {
      await bus.close();
    }
  });
});
