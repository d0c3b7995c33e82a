import type { EventEnvelope } from '@airlock/contracts';
import { releaseDestination, type RequestState } from '@airlock/domain';
import type { Stage } from '@airlock/storage';
import type { RetentionDays } from '../audit.config';

// Which stored files a retention sweep may delete (docs/design.md buckets: released, rejected and
// blocked files are kept for the retention period). Pure: the state is a fold of the request's
// stream, the clock and the policy come in.
export const RETAINED_STATUSES = ['released', 'rejected', 'blocked'] as const;
export type RetainedStatus = (typeof RETAINED_STATUSES)[number];

export type ExpiringObject = { stage: Stage; key: string; sha256: string; fileId: string; name: string };

export type RetentionDecision =
  | { expired: false; reason: 'not-terminal' | 'kept-for-ever' | 'not-yet'; expiresAt?: string }
  | { expired: true; status: RetainedStatus; terminalAt: string; expiresAt: string; retentionDays: number; objects: ExpiringObject[] };

const DAY_MS = 24 * 3600 * 1000;

export const terminalEventType = (status: RetainedStatus) => `airlock.request.${status}.`;

export function retentionEnabled(days: RetentionDays): boolean {
  return RETAINED_STATUSES.some((s) => days[s] !== undefined);
}

function isRetained(status: string): status is RetainedStatus {
  return (RETAINED_STATUSES as readonly string[]).includes(status);
}

export function retentionDecision(
  state: RequestState,
  envelopes: readonly Pick<EventEnvelope, 'type' | 'time'>[],
  now: string,
  days: RetentionDays,
): RetentionDecision {
  if (state.status === 'none' || !isRetained(state.status)) return { expired: false, reason: 'not-terminal' };
  const status = state.status;
  const retentionDays = days[status];
  if (retentionDays === undefined) return { expired: false, reason: 'kept-for-ever' };
  const terminal = [...envelopes].reverse().find((e) => e.type.startsWith(terminalEventType(status)));
  if (!terminal) return { expired: false, reason: 'not-terminal' };
  const expiresAt = new Date(Date.parse(terminal.time) + retentionDays * DAY_MS).toISOString();
  if (expiresAt > now) return { expired: false, reason: 'not-yet', expiresAt };
  return { expired: true, status, terminalAt: terminal.time, expiresAt, retentionDays, objects: objectsOf(state, status) };
}

function objectsOf(state: Exclude<RequestState, { status: 'none' }>, status: RetainedStatus): ExpiringObject[] {
  return state.files.flatMap((file): ExpiringObject[] => {
    const base = { sha256: file.sha256, fileId: file.fileId, name: file.name };
    const rejectedKey = (file as { rejectedKey?: string }).rejectedKey;
    switch (status) {
      case 'released':
        // An import's approved files sit in `imported` (docs/adr/0012-imports.md).
        return file.releasedKey ? [{ ...base, stage: releaseDestination(state), key: file.releasedKey }] : [];
      case 'blocked':
        // The infected file sits in `blocked`; its clean siblings never left quarantine.
        if (file.blockedKey) return [{ ...base, stage: 'blocked', key: file.blockedKey }];
        return file.quarantineKey ? [{ ...base, stage: 'quarantine', key: file.quarantineKey }] : [];
      case 'rejected':
        // Rejected files are kept in `rejected` once moved there; until then, in quarantine.
        if (rejectedKey) return [{ ...base, stage: 'rejected', key: rejectedKey }];
        return file.quarantineKey ? [{ ...base, stage: 'quarantine', key: file.quarantineKey }] : [];
    }
  });
}
