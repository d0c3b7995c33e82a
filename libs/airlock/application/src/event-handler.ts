import { MalformedEnvelopeError, parseEnvelope, type EventEnvelope } from '@airlock/contracts';
import { PermanentMessageError, type IdempotentConsumer, type MessageHandler, type ReceivedMessage } from '@airlock/messaging';

/**
 * Parses a message's envelope; a malformed one is a poison message for the dead-letter topic, not a
 * retry. So is one whose `ce_type` header names another type than its envelope: groups skip
 * messages by that header unparsed, so a header that lied could hide an event from them.
 */
export function envelopeOf(message: ReceivedMessage): EventEnvelope {
  let envelope: EventEnvelope;
  try {
    envelope = parseEnvelope(message.value);
  } catch (error) {
    if (error instanceof MalformedEnvelopeError) throw new PermanentMessageError(error.message, { cause: error });
    throw error;
  }
  const headerType = message.headers?.ce_type;
  if (headerType !== undefined && headerType !== envelope.type) {
    throw new PermanentMessageError(`message header ce_type "${headerType}" disagrees with its envelope's type "${envelope.type}"`);
  }
  return envelope;
}

/**
 * A message handler for events of the given types whose effect runs once per event id
 * (invariant 4: at-least-once delivery, effects once). Other events pass by.
 */
export function onceForEvents<TData = unknown>(
  types: readonly string[],
  consumer: IdempotentConsumer,
  effect: (envelope: EventEnvelope<TData>) => Promise<void>,
): MessageHandler {
  const wanted = new Set(types);
  return async (message) => {
    const envelope = envelopeOf(message);
    if (!wanted.has(envelope.type)) return;
    await consumer.handle(envelope.id, () => effect(envelope as EventEnvelope<TData>));
  };
}
