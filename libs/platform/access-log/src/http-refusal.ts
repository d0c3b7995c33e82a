import type { ActorRole } from '@airlock/contracts';
import type { AccessEvent } from './access-event';

// Every refused action reaches the audit log (issue 5): wrong role, self-review, lapsed
// accreditation, a missing, forged or expired token. The HTTP problem filter knows all of them,
// so it is the one place that records them; this turns what it knows into an access event.

export type HttpRefusal = {
  status: number;
  /** The problem's stable code (ROLE_REQUIRED, SELF_REVIEW, TOKEN_EXPIRED, ...). */
  code: string;
  method: string;
  /** The matched route pattern (`/reviews/:id/files/:fileId/votes`) when known; better than the path for grouping. */
  route?: string;
  path: string;
  /** The verified caller; absent when the token itself was refused (401). */
  actor?: { userId: string; roles: readonly ActorRole[] };
  /** The `sub` of a token that failed verification: recorded as a claim, never as the actor. */
  claimedUserId?: string;
  clientAddress?: string;
  at: string;
  correlationId?: string;
};

const REFUSAL_STATUSES = new Set([401, 403]);
const REQUEST_ID_IN_PATH = /\/(?:requests|reviews)\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\/|$)/i;
const FILE_ID_IN_PATH = /\/files\/([^/?#]+)/;

export const ANONYMOUS_USER_ID = 'anonymous';

/** The request a path is about, when it names one (`/requests/{id}/...`, `/reviews/{id}/...`). */
export function requestIdFromPath(path: string): string | undefined {
  return REQUEST_ID_IN_PATH.exec(path)?.[1]?.toLowerCase();
}

/** An `airlock.access.denied.v1` event for a 401 or 403 answer; undefined for any other status. */
export function refusalAccessEvent(refusal: HttpRefusal): AccessEvent | undefined {
  if (!REFUSAL_STATUSES.has(refusal.status)) return undefined;
  const requestId = requestIdFromPath(refusal.path);
  const fileId = requestId ? FILE_ID_IN_PATH.exec(refusal.path)?.[1] : undefined;
  return {
    kind: 'denied',
    actor: {
      userId: refusal.actor?.userId ?? ANONYMOUS_USER_ID,
      roles: refusal.actor?.roles ?? [],
      ...(refusal.clientAddress ? { clientAddress: refusal.clientAddress } : {}),
    },
    action: `${refusal.method.toUpperCase()} ${refusal.route ?? refusal.path}`,
    outcome: 'denied',
    reasonCode: refusal.code,
    ...(requestId ? { requestId } : {}),
    ...(fileId ? { file: { fileId: decodeURIComponent(fileId) } } : {}),
    details: {
      status: refusal.status,
      path: refusal.path,
      ...(refusal.claimedUserId && !refusal.actor ? { claimedUserId: refusal.claimedUserId } : {}),
    },
    at: refusal.at,
    ...(refusal.correlationId ? { correlationId: refusal.correlationId } : {}),
  };
}
