import { Controller, Inject, Module, type DynamicModule, type INestMicroservice, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BaseRpcExceptionFilter, Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@airlock/contracts';
import { expectEventually } from '@airlock/testing';
import { defer, from, type Observable } from 'rxjs';
import { BusEventPattern } from './bus-event.pattern';
import { DeadLetterHeaders } from './dead-letter';
import { InProcessMessageBus } from './in-process-message-bus';
import type { BusMessage, MessageBus, ReceivedMessage, SubscribeOptions, Subscription } from './message-bus';
import { MessageBusContext, MessageBusTransport } from './message-bus.transport';
import { PermanentMessageError } from './messaging.errors';

// The transport over the in-process bus: the same port Kafka serves (message-bus.transport.int-spec.ts).
const SUBMITTED = 'test.submitted.v1';
const REVIEWED = 'test.reviewed.v1';
const SCANS = 'test.scans';
const RECORDS = 'test.records';

type Call = { handler: 'scans' | 'records'; value: string; topic: string; group: string };
/** Decides each delivery to a group: resolve, throw, or answer with an observable. */
type Behaviour = (message: ReceivedMessage, group: string) => Promise<void> | Observable<void>;

class Script {
  readonly calls: Call[] = [];
  behaviour: Behaviour = async () => undefined;

  run(handler: Call['handler'], message: ReceivedMessage, context: MessageBusContext): Promise<void> | Observable<void> {
    this.calls.push({ handler, value: message.value, topic: message.topic, group: context.getGroup() });
    return this.behaviour(message, context.getGroup());
  }

  values(handler: Call['handler']): string[] {
    return this.calls.filter((call) => call.handler === handler).map((call) => call.value);
  }
}

const SCRIPT = Symbol('script');

@Controller()
class TestEvents {
  constructor(@Inject(SCRIPT) private readonly script: Script) {}

  @BusEventPattern({ group: SCANS, topics: [SUBMITTED], fromBeginning: true })
  onSubmitted(@Payload() message: ReceivedMessage, @Ctx() context: MessageBusContext) {
    return this.script.run('scans', message, context);
  }

  @BusEventPattern({ group: RECORDS, topics: [SUBMITTED, REVIEWED], fromBeginning: false })
  onRecorded(@Payload() message: ReceivedMessage, @Ctx() context: MessageBusContext) {
    return this.script.run('records', message, context);
  }
}

@Controller()
class TypedEvents {
  constructor(@Inject(SCRIPT) private readonly script: Script) {}

  @BusEventPattern({ group: SCANS, topics: [SUBMITTED], fromBeginning: true, eventTypes: ['test.wanted.v1'] })
  onWanted(@Payload() message: ReceivedMessage, @Ctx() context: MessageBusContext) {
    return this.script.run('scans', message, context);
  }
}

@Controller()
class PlainEventPattern {
  @EventPattern('test.plain')
  onPlain() {
    return undefined;
  }
}

@Controller()
class SameGroupTwice {
  @BusEventPattern({ group: SCANS, topics: [REVIEWED], fromBeginning: true })
  again() {
    return undefined;
  }
}

@Module({})
class TestModule {
  static with(script: Script, controllers: Type<unknown>[] = [TestEvents]): DynamicModule {
    return { module: TestModule, controllers, providers: [{ provide: SCRIPT, useValue: script }] };
  }
}

/** The bus as the transport uses it, recording what each handler call ended with (the bus's view). */
class OutcomeRecordingBus implements MessageBus {
  readonly outcomes: { group: string; value: string; error?: unknown }[] = [];
  readonly groups: string[] = [];

  constructor(private readonly inner: MessageBus) {}

  publish(messages: BusMessage[]): Promise<void> {
    return this.inner.publish(messages);
  }

  subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.groups.push(options.groupId);
    return this.inner.subscribe({
      ...options,
      handler: async (message) => {
        try {
          await options.handler(message);
          this.outcomes.push({ group: options.groupId, value: message.value });
        } catch (error) {
          this.outcomes.push({ group: options.groupId, value: message.value, error });
          throw error;
        }
      },
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

const eventually = <T>(assertion: () => T) => expectEventually(assertion, { timeoutMs: 2_000, intervalMs: 10 });

describe('MessageBusTransport over the in-process bus', () => {
  let inner: InProcessMessageBus;
  let bus: OutcomeRecordingBus;
  let script: Script;
  const apps: INestMicroservice[] = [];

  async function start(
    controllers?: Type<unknown>[],
    configure: (app: INestMicroservice) => void = () => undefined,
  ): Promise<{ app: INestMicroservice; transport: MessageBusTransport }> {
    const transport = new MessageBusTransport(bus);
    const app = await NestFactory.createMicroservice(TestModule.with(script, controllers), { strategy: transport, logger: false });
    apps.push(app);
    configure(app);
    await app.listen();
    return { app, transport };
  }

  const publish = (topic: string, ...values: string[]) => bus.publish(values.map((value) => ({ topic, key: 'request-1', value })));

  beforeEach(() => {
    inner = new InProcessMessageBus({ retry: { initialMs: 5, maxMs: 20 } });
    bus = new OutcomeRecordingBus(inner);
    script = new Script();
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await inner.close();
  });

  describe('routing', () => {
    it('subscribes one group per @BusEventPattern, in declaration order, once listening', async () => {
      await start();
      expect(bus.groups).toEqual([SCANS, RECORDS]);
    });

    it('hands each group the messages of its topics, with the message as payload and the group in the context', async () => {
      await start();
      await publish(SUBMITTED, 's1');
      await publish(REVIEWED, 'r1');
      await eventually(() => expect(script.values('records').sort()).toEqual(['r1', 's1']));
      await eventually(() => expect(script.values('scans')).toEqual(['s1']));
      expect(script.calls).toContainEqual({ handler: 'scans', value: 's1', topic: SUBMITTED, group: SCANS });
      expect(script.calls).toContainEqual({ handler: 'records', value: 'r1', topic: REVIEWED, group: RECORDS });
    });

    it('hands a group that names its event types only messages of those types (by ce_type header) or of no stated type', async () => {
      await start([TypedEvents]);
      await bus.publish([
        { topic: SUBMITTED, key: 'request-1', value: 'other', headers: { ce_type: 'test.other.v1' } },
        { topic: SUBMITTED, key: 'request-1', value: 'wanted', headers: { ce_type: 'test.wanted.v1' } },
        { topic: SUBMITTED, key: 'request-1', value: 'untyped' },
      ]);
      await eventually(() => expect(script.values('scans')).toEqual(['wanted', 'untyped']));
      // Passed over by the bus itself: the group's handler never saw it (no parse, no span).
      expect(bus.outcomes.filter((o) => o.group === SCANS).map((o) => o.value)).toEqual(['wanted', 'untyped']);
    });

    it('keeps fromBeginning per group: a new group starts at the oldest message only when asked to', async () => {
      await publish(SUBMITTED, 'before');
      await start();
      await publish(SUBMITTED, 'after');
      await eventually(() => expect(script.values('scans')).toEqual(['before', 'after']));
      await eventually(() => expect(script.values('records')).toEqual(['after']));
    });
  });

  describe('acknowledgement', () => {
    it('acknowledges a handled message: a restarted group does not get it again', async () => {
      const first = await start();
      await publish(SUBMITTED, 'one');
      await eventually(() => expect(script.values('scans')).toEqual(['one']));
      await first.app.close();
      await publish(SUBMITTED, 'two');
      await start();
      await eventually(() => expect(script.values('scans')).toEqual(['one', 'two']));
      expect(bus.outcomes.filter((o) => o.group === SCANS)).toEqual([
        { group: SCANS, value: 'one' },
        { group: SCANS, value: 'two' },
      ]);
    });

    it('does not acknowledge a message whose handler is still failing: the next member gets it', async () => {
      script.behaviour = async (message) => {
        if (message.value === 'stuck') throw new Error('scanner unavailable');
      };
      const first = await start();
      await publish(SUBMITTED, 'stuck');
      await eventually(() => expect(bus.outcomes.filter((o) => o.group === SCANS && o.error).length).toBeGreaterThanOrEqual(2));
      await first.app.close();
      script.behaviour = async () => undefined;
      await start();
      await eventually(() => expect(bus.outcomes).toContainEqual({ group: SCANS, value: 'stuck' }));
    });
  });

  describe('failures', () => {
    it('redelivers a message whose handler threw, holding back the message behind it', async () => {
      let failuresLeft = 2;
      script.behaviour = async (message, group) => {
        if (group === SCANS && message.value === 'first' && failuresLeft-- > 0) throw new Error('object store unavailable');
      };
      await start();
      await publish(SUBMITTED, 'first', 'second');
      await eventually(() => expect(script.values('scans')).toEqual(['first', 'first', 'first', 'second']));
    });

    it('redelivers when the handler answers with an observable that errors, and waits for one that completes', async () => {
      let failuresLeft = 1;
      let completed = 0;
      script.behaviour = (message, group) =>
        defer(() => {
          if (group !== SCANS) return from(Promise.resolve());
          if (message.value === 'first' && failuresLeft-- > 0) throw new Error('late failure');
          return from(new Promise<void>((resolve) => setTimeout(() => resolve(void (completed += 1)), 5)));
        });
      await start();
      await publish(SUBMITTED, 'first', 'second');
      await eventually(() => expect(script.values('scans')).toEqual(['first', 'first', 'second']));
      await eventually(() => expect(completed).toBe(2));
      // The bus heard of success only once the observable had completed.
      expect(bus.outcomes.filter((o) => o.group === SCANS).map((o) => [o.value, o.error ? 'failed' : 'ok'])).toEqual([
        ['first', 'failed'],
        ['first', 'ok'],
        ['second', 'ok'],
      ]);
    });

    it('dead-letters a message whose handler throws PermanentMessageError, and moves on', async () => {
      const deadLetters: ReceivedMessage[] = [];
      await inner.subscribe({ groupId: 'dlq-reader', topics: [Topics.deadLetters], handler: async (message) => void deadLetters.push(message) });
      script.behaviour = async (message) => {
        if (message.value === 'poison') throw new PermanentMessageError('unknown schema version');
      };
      await start();
      await publish(SUBMITTED, 'poison', 'next');
      await eventually(() => expect(script.values('scans')).toEqual(['poison', 'next']));
      await eventually(() => expect(deadLetters.filter((m) => m.headers?.[DeadLetterHeaders.consumerGroup] === SCANS)).toHaveLength(1));
      expect(deadLetters.find((m) => m.headers?.[DeadLetterHeaders.consumerGroup] === SCANS)).toMatchObject({
        value: 'poison',
        headers: {
          [DeadLetterHeaders.errorName]: 'PermanentMessageError',
          [DeadLetterHeaders.errorMessage]: 'unknown schema version',
          [DeadLetterHeaders.originTopic]: SUBMITTED,
        },
      });
    });

    it("hands the bus the handler's own error, past a global RPC exception filter that would replace it", async () => {
      const transient = new Error('database unavailable');
      const permanent = new PermanentMessageError('malformed envelope');
      let transientFailures = 1;
      script.behaviour = async (message, group) => {
        if (group !== SCANS) return;
        if (message.value === 'transient' && transientFailures-- > 0) throw transient;
        if (message.value === 'poison') throw permanent;
      };
      // Nest's default RPC handling: any error becomes { status: 'error', message: 'Internal server error' }.
      await start(undefined, (app) => app.useGlobalFilters(new BaseRpcExceptionFilter()));
      await publish(SUBMITTED, 'transient', 'poison');
      await eventually(() => expect(bus.outcomes.filter((o) => o.group === SCANS && o.value === 'poison')).toHaveLength(1));
      const outcomes = bus.outcomes.filter((o) => o.group === SCANS);
      expect(outcomes.map((o) => o.value)).toEqual(['transient', 'transient', 'poison']);
      expect(outcomes.map((o) => o.error)).toEqual([transient, undefined, permanent]);
      expect(outcomes[0].error).toBe(transient);
      expect(outcomes[2].error).toBe(permanent);
    });
  });

  describe('start and stop', () => {
    it('refuses to listen with a handler that names no consumer group', async () => {
      await expect(start([TestEvents, PlainEventPattern])).rejects.toThrow(/test\.plain is not a @BusEventPattern/);
      expect(bus.groups).toEqual([]);
    });

    it('refuses to listen with two handlers for one consumer group', async () => {
      await expect(start([TestEvents, SameGroupTwice])).rejects.toThrow(`consumer group ${SCANS} is declared by more than one @BusEventPattern`);
    });

    it('stops its subscriptions on close: nothing is handled afterwards', async () => {
      const { transport } = await start();
      const statuses: string[] = [];
      transport.status.subscribe((status) => statuses.push(status));
      await transport.close();
      await publish(SUBMITTED, 'after close');
      // The other handlers of a still-open bus are unaffected: a fresh group sees the message.
      const seen: string[] = [];
      await inner.subscribe({ groupId: 'witness', topics: [SUBMITTED], fromBeginning: true, handler: async (message) => void seen.push(message.value) });
      await eventually(() => expect(seen).toEqual(['after close']));
      expect(script.calls).toEqual([]);
      expect(statuses.at(-1)).toBe('disconnected');
    });
  });
});
