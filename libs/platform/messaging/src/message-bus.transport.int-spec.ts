import { Controller, Inject, Module, type INestMicroservice, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BaseRpcExceptionFilter, Ctx, Payload } from '@nestjs/microservices';
import { Topics } from '@airlock/contracts';
import { expectEventually, realStack, uniqueId } from '@airlock/testing';
import { BusEventPattern } from './bus-event.pattern';
import { DeadLetterHeaders } from './dead-letter';
import { KafkaMessageBus } from './kafka-message-bus';
import type { ReceivedMessage, Subscription } from './message-bus';
import { MessageBusContext, MessageBusTransport } from './message-bus.transport';
import { PermanentMessageError } from './messaging.errors';

// @BusEventPattern handlers on real Kafka through MessageBusTransport: a failing handler's message
// is redelivered (offsets committed only after the handler), a poison message is dead-lettered.
jest.setTimeout(90_000);

type Handle = (message: ReceivedMessage, group: string) => Promise<void>;
const HANDLE = Symbol('handle');

/** A consumer on a group and topic of its own (Kafka keeps offsets between runs). */
function consumerOn(group: string, topic: string): Type<unknown> {
  @Controller()
  class KafkaTestEvents {
    constructor(@Inject(HANDLE) private readonly handle: Handle) {}

    @BusEventPattern({ group, topics: [topic], fromBeginning: true })
    onMessage(@Payload() message: ReceivedMessage, @Ctx() context: MessageBusContext) {
      return this.handle(message, context.getGroup());
    }
  }
  return KafkaTestEvents;
}

describe('MessageBusTransport on real Kafka', () => {
  let bus: KafkaMessageBus;
  const apps: INestMicroservice[] = [];
  const subscriptions: Subscription[] = [];

  async function start(controller: Type<unknown>, handle: Handle, globalRpcFilter = false): Promise<INestMicroservice> {
    @Module({ controllers: [controller], providers: [{ provide: HANDLE, useValue: handle }] })
    class KafkaTestModule {}
    const app = await NestFactory.createMicroservice(KafkaTestModule, { strategy: new MessageBusTransport(bus), logger: false });
    if (globalRpcFilter) app.useGlobalFilters(new BaseRpcExceptionFilter());
    apps.push(app);
    await app.listen();
    return app;
  }

  beforeAll(() => {
    bus = new KafkaMessageBus({ brokers: realStack().kafkaBrokers, clientId: uniqueId('transport-int'), retry: { initialMs: 100, maxMs: 1_000 } });
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const subscription of subscriptions.splice(0)) await subscription.stop();
  });
  afterAll(() => bus.close());

  it('redelivers the message of a failing handler, holding back the one behind it, then moves on', async () => {
    const topic = uniqueId('transport-topic');
    const group = uniqueId('transport-group');
    const attempts: string[] = [];
    let failuresLeft = 2;
    await start(consumerOn(group, topic), async (message) => {
      attempts.push(message.value);
      if (message.value === 'first' && failuresLeft-- > 0) throw new Error('object store unavailable');
    });
    await bus.publish([
      { topic, key: 'request-1', value: 'first' },
      { topic, key: 'request-1', value: 'second' },
    ]);
    await expectEventually(() => expect(attempts).toEqual(['first', 'first', 'first', 'second']), { timeoutMs: 30_000 });
  });

  it('leaves a failing message uncommitted: after a restart the group gets it again, and only it', async () => {
    const topic = uniqueId('transport-topic');
    const group = uniqueId('transport-group');
    const firstRun: string[] = [];
    const first = await start(consumerOn(group, topic), async (message) => {
      firstRun.push(message.value);
      if (message.value === 'stuck') throw new Error('scanner unavailable');
    });
    await bus.publish([
      { topic, key: 'request-1', value: 'handled' },
      { topic, key: 'request-1', value: 'stuck' },
    ]);
    await expectEventually(() => expect(firstRun.filter((value) => value === 'stuck').length).toBeGreaterThanOrEqual(2), { timeoutMs: 30_000 });
    expect(firstRun[0]).toBe('handled');
    await first.close();

    const secondRun: string[] = [];
    await start(consumerOn(group, topic), async (message) => void secondRun.push(message.value));
    await expectEventually(() => expect(secondRun).toEqual(['stuck']), { timeoutMs: 30_000 });
  });

  it('dead-letters a poison message with its origin and group, past a global RPC filter, and handles the next one', async () => {
    const topic = uniqueId('transport-topic');
    const group = uniqueId('transport-group');
    const deadLetters: ReceivedMessage[] = [];
    subscriptions.push(
      await bus.subscribe({
        groupId: uniqueId('transport-dlq'),
        topics: [Topics.deadLetters],
        handler: async (message) => {
          if (message.headers?.[DeadLetterHeaders.originTopic] === topic) deadLetters.push(message);
        },
      }),
    );
    const handled: string[] = [];
    await start(
      consumerOn(group, topic),
      async (message) => {
        try {
          handled.push((JSON.parse(message.value) as { id: string }).id);
        } catch (error) {
          throw new PermanentMessageError(`not an envelope: ${(error as Error).message}`);
        }
      },
      true,
    );
    await bus.publish([
      { topic, key: 'request-1', value: '{"id":', headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } },
      { topic, key: 'request-1', value: '{"id":"next"}' },
    ]);
    await expectEventually(() => expect(handled).toEqual(['next']), { timeoutMs: 30_000 });
    await expectEventually(() => expect(deadLetters).toHaveLength(1), { timeoutMs: 30_000 });
    expect(deadLetters[0]).toMatchObject({
      key: 'request-1',
      value: '{"id":',
      headers: {
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        [DeadLetterHeaders.errorName]: 'PermanentMessageError',
        [DeadLetterHeaders.errorMessage]: expect.stringMatching(/^not an envelope: /),
        [DeadLetterHeaders.originTopic]: topic,
        [DeadLetterHeaders.consumerGroup]: group,
      },
    });
  });
});
