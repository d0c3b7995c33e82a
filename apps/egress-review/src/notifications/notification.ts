import { wireType, type EventEnvelope } from '@airlock/contracts';
import type { ExistingRequest, RequestEventType, RequestStatus } from '@airlock/domain';

// The notable facts of a request's life, already events; a notification is a small signed summary
// of one of them. It never carries cell values, findings, comments or file contents: a receiver
// (email, chat) that needs more calls the API with its own credentials.

export type NotificationType =
  | 'request.submitted'
  | 'request.review_opened'
  | 'request.changes_requested'
  | 'request.approved'
  | 'request.rejected'
  | 'request.released'
  | 'request.revoked'
  | 'request.blocked'
  | 'request.failed'
  | 'request.withdrawn';

const NOTABLE: Partial<Record<RequestEventType, { type: NotificationType; status: RequestStatus }>> = {
  RequestSubmitted: { type: 'request.submitted', status: 'submitted' },
  ReviewOpened: { type: 'request.review_opened', status: 'awaiting_review' },
  ChangesRequested: { type: 'request.changes_requested', status: 'changes_requested' },
  RequestApproved: { type: 'request.approved', status: 'approved' },
  RequestRejected: { type: 'request.rejected', status: 'rejected' },
  RequestReleased: { type: 'request.released', status: 'released' },
  RequestRevoked: { type: 'request.revoked', status: 'revoked' },
  RequestBlocked: { type: 'request.blocked', status: 'blocked' },
  RequestFailed: { type: 'request.failed', status: 'failed' },
  RequestWithdrawn: { type: 'request.withdrawn', status: 'withdrawn' },
};

const BY_WIRE_TYPE = new Map(Object.entries(NOTABLE).map(([event, notable]) => [wireType(event as RequestEventType), notable]));
export const NOTABLE_WIRE_TYPES: readonly string[] = [...BY_WIRE_TYPE.keys()];

export type WebhookNotification = {
  /** The event's id: the same for every attempt and redelivery, so receivers can drop duplicates. */
  id: string;
  type: NotificationType;
  schemaVersion: 1;
  occurredAt: string;
  request: { requestId: string; projectId: string; authorId: string; turn: number; status: RequestStatus };
  /** Only the system's own reason (malware found, hash mismatch), never a person's free text. */
  reason?: string;
};

export function isNotable(envelope: Pick<EventEnvelope, 'type'>): boolean {
  return BY_WIRE_TYPE.has(envelope.type);
}

export function notificationFor(envelope: EventEnvelope, request: ExistingRequest): WebhookNotification | undefined {
  const notable = BY_WIRE_TYPE.get(envelope.type);
  if (!notable) return undefined;
  const data = envelope.data as { turn?: number; reason?: string };
  const systemReason = (notable.status === 'blocked' || notable.status === 'failed') && typeof data.reason === 'string' ? data.reason.slice(0, 500) : undefined;
  return {
    id: envelope.id,
    type: notable.type,
    schemaVersion: 1,
    occurredAt: envelope.time,
    request: {
      requestId: request.requestId,
      projectId: request.projectId,
      authorId: request.authorId,
      turn: data.turn ?? request.turn,
      status: notable.status,
    },
    ...(systemReason ? { reason: systemReason } : {}),
  };
}
