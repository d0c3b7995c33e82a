import { BaseRpcContext, Server, type CustomTransportStrategy, type MessageHandler as NestMessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { subscriptionOf, type BusSubscription } from './bus-event.pattern';
import type { MessageBus, ReceivedMessage, Subscription } from './message-bus';
import { isPermanentMessageError } from './messaging.errors';

/** What a `@BusEventPattern` handler gets with `@Ctx()`: the message and the group it is handled for. */
export class MessageBusContext extends BaseRpcContext<[ReceivedMessage, string]> {
  getMessage(): ReceivedMessage {
    return this.args[0];
  }

  getGroup(): string {
    return this.args[1];
  }
}

export type MessageBusTransportStatus = 'connecting' | 'connected' | 'disconnected';

type Consumer = { pattern: string; subscription: BusSubscription; handler: NestMessageHandler };

/**
 * A Nest microservice transport over our MessageBus port (docs/adr/0002-event-sourcing-outbox-and-kafka-client.md),
 * so Kafka and the in-process bus both serve `@BusEventPattern` handlers with the port's guarantees:
 * the offset is committed only after the handler resolved, a throw redelivers the message after a
 * back-off with its partition waiting, a PermanentMessageError dead-letters it.
 *
 * `listen` subscribes one consumer group per handler, in the order Nest registered them, and calls
 * back once every group has its partitions; `close` stops them.
 */
export class MessageBusTransport extends Server<Record<string, never>, MessageBusTransportStatus> implements CustomTransportStrategy {
  private readonly subscriptions: Subscription[] = [];
  private closed = false;

  constructor(private readonly bus: MessageBus) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    this._status$.next('connecting');
    try {
      for (const { subscription, handler } of this.consumers()) {
        if (this.closed) break;
        const subscribed = await this.bus.subscribe({
          groupId: subscription.group,
          topics: [...subscription.topics],
          fromBeginning: subscription.fromBeginning,
          ...(subscription.eventTypes && { eventTypes: [...subscription.eventTypes] }),
          handler: (message) => this.deliver(handler, subscription.group, message),
        });
        this.subscriptions.push(subscribed);
      }
      // Closed while joining (a shutdown during start): leave no member behind.
      if (this.closed) await this.close();
      else this._status$.next('connected');
    } catch (error) {
      await this.close().catch(() => undefined);
      return callback(error);
    }
    callback();
  }

  async close(): Promise<void> {
    this.closed = true;
    // One after the other, as the services stopped their subscriptions before.
    for (const subscription of this.subscriptions.splice(0)) await subscription.stop();
    this._status$.next('disconnected');
  }

  on(): never {
    throw new Error('MessageBusTransport emits no events; follow its `status` instead');
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  /**
   * Calls Nest's handler and waits for it, whether it answers with a promise or an observable, so
   * the bus sees the outcome. Nest's own `handleEvent` would not do: it starts an observable
   * without waiting for it, so a failed handler would have its message committed.
   */
  private async deliver(handler: NestMessageHandler, group: string, message: ReceivedMessage): Promise<void> {
    try {
      const result: unknown = await handler(message, new MessageBusContext([message, group]));
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    } catch (error) {
      throw error instanceof Error || isPermanentMessageError(error) ? error : new HandlerFailedError(group, error);
    }
  }

  /** Every registered handler must be a `@BusEventPattern` with a group of its own. */
  private consumers(): Consumer[] {
    const consumers = [...this.messageHandlers].map(([pattern, handler]): Consumer => {
      const subscription = subscriptionOf(handler.extras);
      if (!handler.isEventHandler || !subscription) {
        throw new Error(`handler for ${pattern} is not a @BusEventPattern: MessageBusTransport serves consumer groups only`);
      }
      if (handler.next) throw new Error(`more than one handler for ${pattern}: a consumer group has one handler`);
      return { pattern, subscription, handler };
    });
    const groups = consumers.map(({ subscription }) => subscription.group);
    const repeated = groups.find((group, index) => groups.indexOf(group) !== index);
    if (repeated) throw new Error(`consumer group ${repeated} is declared by more than one @BusEventPattern`);
    return consumers;
  }
}

/** A handler failed with something that is not an Error (an RPC filter's `{ status, message }`): redeliver, and say what it was. */
class HandlerFailedError extends Error {
  constructor(
    group: string,
    readonly value: unknown,
  ) {
    super(`handler of consumer group ${group} failed with ${describe(value)}`);
    this.name = 'HandlerFailedError';
  }
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
