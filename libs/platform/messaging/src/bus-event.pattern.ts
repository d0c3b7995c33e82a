import { Catch, UseFilters, applyDecorators, type RpcExceptionFilter } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';

/** What a consumer subscribes to: its consumer group names its offsets, its idempotency records and its dead letters. */
export type BusSubscription = {
  group: string;
  topics: readonly string[];
  /** A new group starts at the oldest message instead of the next one published. */
  fromBeginning: boolean;
  /** The CloudEvents types the group acts on; others are acknowledged unhandled (SubscribeOptions.eventTypes). */
  eventTypes?: readonly string[];
};

/** The `@EventPattern` a bus consumer is registered under: its group and topics. */
export type BusPattern = { group: string; topics: string[] };

const SUBSCRIPTION = 'airlock.messageBus.subscription';

/**
 * Nest's RPC exception handling turns any error into an anonymous `{ status, message }`: a
 * PermanentMessageError would lose its meaning and be retried for ever instead of dead-lettered.
 * This filter hands the handler's own error to MessageBusTransport, which lets the bus decide.
 */
@Catch()
export class ErrorsToTheBus implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * Marks a controller method as the handler of one consumer group on the message bus
 * (`MessageBusTransport` subscribes it). Resolve to acknowledge; throw to have the message
 * redelivered; throw PermanentMessageError to dead-letter it.
 *
 * ```ts
 * @BusEventPattern({ group: 'airlock.egress-review.release', topics: [Topics.requestEvents], fromBeginning: true })
 * onRequestEvent(@Payload() message: ReceivedMessage) { return this.worker.onMessage(message); }
 * ```
 */
export function BusEventPattern(subscription: BusSubscription): MethodDecorator {
  const topics = [...subscription.topics];
  const pattern: BusPattern = { group: subscription.group, topics };
  // Method-level, so it runs before any global RPC filter an application may register.
  return applyDecorators(EventPattern(pattern, { [SUBSCRIPTION]: { ...subscription, topics } }), UseFilters(new ErrorsToTheBus()));
}

/** The subscription a handler was declared with, from the extras Nest keeps on it. */
export function subscriptionOf(extras: Record<string, unknown> | undefined): BusSubscription | undefined {
  return extras?.[SUBSCRIPTION] as BusSubscription | undefined;
}
