import { REQUEST_EVENT_TYPES, type Actor, type RequestEvent, type RequestEventType } from '@airlock/domain';
import type { EventEnvelope } from './envelope';

// Wire names of request events: `airlock.request.<kebab-name>.v<version>`. A change that breaks a
// consumer adds a new version here and an upcaster below; old events are never rewritten.
const SCHEMA_VERSION: Record<RequestEventType, number> = Object.fromEntries(REQUEST_EVENT_TYPES.map((t) => [t, 1])) as Record<RequestEventType, number>;

const kebab = (name: string) =>
  name
    .replace(/^Request(?=[A-Z])/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();

export function wireType(type: RequestEventType): string {
  return `airlock.request.${kebab(type)}.v${SCHEMA_VERSION[type]}`;
}

const BY_WIRE_TYPE = new Map<string, RequestEventType>(REQUEST_EVENT_TYPES.map((t) => [wireType(t), t]));

export type Upcaster = (data: unknown) => unknown;
/** Upcasters from an older wire type to the current one, keyed by the older wire type. */
const UPCASTERS = new Map<string, { to: RequestEventType; upcast: Upcaster }>();

export function isRequestEvent(envelope: Pick<EventEnvelope, 'type'>): boolean {
  return BY_WIRE_TYPE.has(envelope.type) || UPCASTERS.has(envelope.type);
}

/** Turns a stored or received envelope back into the current domain event. */
export function toDomainEvent(envelope: Pick<EventEnvelope, 'type' | 'data'>): RequestEvent {
  const current = BY_WIRE_TYPE.get(envelope.type);
  if (current) return { type: current, data: envelope.data } as RequestEvent;
  const older = UPCASTERS.get(envelope.type);
  if (older) return { type: older.to, data: older.upcast(envelope.data) } as RequestEvent;
  throw new Error(`Unknown request event type ${envelope.type}`);
}

export type EnvelopeMeta = {
  id: string;
  source: string;
  time: string;
  actor: Actor;
  correlationId: string;
  causationId?: string;
};

export function requestEnvelope(event: RequestEvent, subject: string, meta: EnvelopeMeta): Omit<EventEnvelope, 'streamId' | 'streamVersion'> {
  return {
    specversion: '1.0',
    id: meta.id,
    source: meta.source,
    type: wireType(event.type),
    subject,
    time: meta.time,
    datacontenttype: 'application/json',
    actor: { userId: meta.actor.userId, roles: [...meta.actor.roles] },
    correlationId: meta.correlationId,
    ...(meta.causationId ? { causationId: meta.causationId } : {}),
    data: event.data,
  };
}

export const requestStreamId = (requestId: string) => `request-${requestId}`;
