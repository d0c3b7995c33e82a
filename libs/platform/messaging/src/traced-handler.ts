import { consumeInSpan } from '@airlock/telemetry';
import type { SubscribeOptions } from './message-bus';

/**
 * Every bus hands its messages to this wrapper, whoever registered the handler: each delivery runs
 * in a consumer span that continues the trace stored with the outbox row (the message's
 * `traceparent` header), so the events the handler appends carry the same trace onwards.
 */
export function withTracedHandler(options: SubscribeOptions): SubscribeOptions {
  const { handler, groupId } = options;
  return { ...options, handler: (message) => consumeInSpan(message, groupId, () => handler(message)) };
}
