import type { EventEnvelope } from './envelope';

// Consumers never trust a message's shape: a malformed envelope is a poison message.
export class MalformedEnvelopeError extends Error {
  readonly code = 'MALFORMED_ENVELOPE';
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function parseEnvelope(raw: string): EventEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new MalformedEnvelopeError('Message is not JSON');
  }
  if (!isObject(value)) throw new MalformedEnvelopeError('Envelope is not an object');
  for (const field of ['id', 'source', 'type', 'subject', 'time', 'streamId', 'correlationId'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '') throw new MalformedEnvelopeError(`Envelope field ${field} missing`);
  }
  if (value['specversion'] !== '1.0') throw new MalformedEnvelopeError('Unsupported specversion');
  if (!Number.isInteger(value['streamVersion'])) throw new MalformedEnvelopeError('Envelope field streamVersion missing');
  const actor = value['actor'];
  if (!isObject(actor) || typeof actor['userId'] !== 'string' || !Array.isArray(actor['roles'])) {
    throw new MalformedEnvelopeError('Envelope field actor missing');
  }
  if (!('data' in value)) throw new MalformedEnvelopeError('Envelope field data missing');
  return value as unknown as EventEnvelope;
}
