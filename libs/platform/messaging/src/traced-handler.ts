import { consumeInSpan } from '@airlock/telemetry';
import type { SubscribeOptions } from './message-bus';

/**
 * Every bus hands its messages to this wrapper, whoever registered the handler: each delivery runs
 * in a consumer span that continues the trace stored with the outbox row (the message's
 * `traceparent` header), so the events the handler appends carry the same trace onwards.
 *
 * A group that names its `eventTypes` is not handed the others: nine groups read the request
 * events, most of them for one or two types, and parsing every envelope in every group was a
 * large part of the consumers' CPU under load (issue 14). The header is only a hint for skipping;
 * a handler still checks the envelope's own type (`envelopeOf` refuses one that disagrees).
 */
export function withTracedHandler(options: SubscribeOptions): SubscribeOptions {
  const { handler, groupId, eventTypes } = options;
  const wanted = eventTypes ? new Set(eventTypes) : undefined;
  return {
    ...options,
    handler: (message) => {
      const type = message.headers?.ce_type;
      if (wanted && type !== undefined && !wanted.has(type)) return Promise.resolve();
      return consumeInSpan(message, groupId, () => handler(message));
    },
  };
}
