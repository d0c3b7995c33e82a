import type { ActorRole, EventEnvelope } from '@airlock/contracts';

// Access events: who touched what, when, and whether they were let through. They complete the
// domain events in the audit log (docs/design.md invariant 5): file views and downloads, refusals,
// admin and policy acts, auditors' own queries, and retention deletions (proof of deletion).
export const ACCESS_EVENT_TYPES = {
  denied: 'airlock.access.denied.v1',
  fileViewed: 'airlock.access.file-viewed.v1',
  fileDownloaded: 'airlock.access.file-downloaded.v1',
  adminAction: 'airlock.access.admin-action.v1',
  policyChanged: 'airlock.access.policy-changed.v1',
  auditQueried: 'airlock.access.audit-queried.v1',
  objectDeleted: 'airlock.access.object-deleted.v1',
  /** A stored object no event backs, removed by a reconciler or a revocation sweep (docs/design.md invariant 7). */
  orphanRemoved: 'airlock.access.orphan-removed.v1',
  /** One run of the ingress draft sweeper: drafts deleted and abandoned resumable uploads aborted. */
  draftsSwept: 'airlock.access.drafts-swept.v1',
} as const;

export type AccessEventKind = keyof typeof ACCESS_EVENT_TYPES;
export type AccessEventType = (typeof ACCESS_EVENT_TYPES)[AccessEventKind];

export type AccessOutcome = 'allowed' | 'denied' | 'succeeded' | 'failed';

export type AccessActor = {
  userId: string;
  roles: readonly ActorRole[];
  /** The caller's network address as the service saw it (after trusted proxies). */
  clientAddress?: string;
};

/** A file as the audit trail names it: enough to find the bytes again, or prove they are gone. */
export type AccessedFile = {
  fileId?: string;
  name?: string;
  sha256?: string;
  stage?: string;
  key?: string;
  versionId?: string | null;
  size?: number;
};

export type AccessEvent = {
  kind: AccessEventKind;
  actor: AccessActor;
  /** What was attempted, in a stable form: `GET /requests/:id/files/:fileId/content`, `audit.export`. */
  action: string;
  outcome: AccessOutcome;
  /** Why it was refused or failed: the problem `code` (ROLE_REQUIRED, SELF_REVIEW, TOKEN_EXPIRED, ...). */
  reasonCode?: string;
  requestId?: string;
  projectId?: string;
  file?: AccessedFile;
  /** Anything else an investigator needs (query filters, HTTP status, retention policy). */
  details?: Record<string, unknown>;
  /** RFC 3339 time of the act. */
  at: string;
  correlationId?: string;
};

export type AccessEventData = {
  action: string;
  outcome: AccessOutcome;
  reasonCode?: string;
  clientAddress?: string;
  requestId?: string;
  projectId?: string;
  file?: AccessedFile;
  details?: Record<string, unknown>;
};

export type AccessEnvelope = EventEnvelope<AccessEventData>;

/** Topic key and envelope subject: the request when there is one, so a request's trail stays in order. */
export function accessSubject(event: Pick<AccessEvent, 'requestId' | 'actor'>): string {
  return event.requestId ?? `user:${event.actor.userId}`;
}

/**
 * The CloudEvents-style envelope. Each access event is a stream of its own (`access-<id>`, version 1):
 * it is never amended, and consumers deduplicate on the id.
 */
export function accessEnvelope(event: AccessEvent, meta: { id: string; source: string }): AccessEnvelope {
  const { actor, kind, action, outcome, reasonCode, requestId, projectId, file, details, at, correlationId } = event;
  const data: AccessEventData = {
    action,
    outcome,
    ...(reasonCode ? { reasonCode } : {}),
    ...(actor.clientAddress ? { clientAddress: actor.clientAddress } : {}),
    ...(requestId ? { requestId } : {}),
    ...(projectId ? { projectId } : {}),
    ...(file ? { file } : {}),
    ...(details ? { details } : {}),
  };
  return {
    specversion: '1.0',
    id: meta.id,
    source: meta.source,
    type: ACCESS_EVENT_TYPES[kind],
    subject: accessSubject(event),
    time: at,
    datacontenttype: 'application/json',
    streamId: `access-${meta.id}`,
    streamVersion: 1,
    actor: { userId: actor.userId, roles: [...actor.roles] },
    correlationId: correlationId ?? meta.id,
    data,
  };
}
