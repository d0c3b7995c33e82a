// CloudEvents 1.0-style envelope shared by every service and topic (docs/design.md, "Events").
// The attributes are plain JSON so any consumer (a SIEM, kcat, another language) can read them.

import type { Actor } from '@airlock/domain';

export type { Actor, ActorRole } from '@airlock/domain';
export { SYSTEM_ACTOR } from '@airlock/domain';

export type EventEnvelope<TData = unknown> = {
  specversion: '1.0';
  /** Globally unique event id (uuid). Consumers deduplicate on it. */
  id: string;
  /** URI-reference of the producing service, e.g. `/airlock/ingress`. */
  source: string;
  /** Versioned event type, e.g. `airlock.request.submitted.v1`. */
  type: string;
  /** The aggregate the event belongs to: the request id for request events. */
  subject: string;
  /** RFC 3339 timestamp of the fact. */
  time: string;
  datacontenttype: 'application/json';
  /** Stream the event was appended to and its 1-based position in that stream. */
  streamId: string;
  streamVersion: number;
  actor: Actor;
  correlationId: string;
  causationId?: string;
  data: TData;
};
