import type { RequestView } from '@airlock/application';
import { toDomainEvent, type EventEnvelope } from '@airlock/contracts';
import type { SubmittedFile } from '@airlock/domain';

// What the request page says, in plain words, computed from the same view the JSON API returns
// (reviews.controller.ts), so the page shows nothing a checker could not read through the API.

export type Tone = 'information' | 'warning' | 'error' | 'success';
export type PlainStatus = { label: string; tone: Tone; summary: string; problems: string[] };

/** A step that has not moved for this long is called stuck (the request still waits; nothing passes). */
export const STUCK_AFTER_MS = 15 * 60_000;

const minutes = (ms: number) => Math.max(1, Math.round(ms / 60_000));

/** My progress on the current turn: files I have voted on, of the files that take a vote. */
export function myProgress(view: RequestView, viewerId: string): { voted: number; of: number } {
  const votable = view.files.filter((f) => !f.blocked);
  const voted = votable.filter((f) => ('votes' in f ? f.votes : []).some((v) => v.checkerId === viewerId && v.turn === view.turn && !v.carried)).length;
  return { voted, of: votable.length };
}

/**
 * The request's status for a person: what is happening, whether it is stuck (no event for
 * STUCK_AFTER_MS in a step the system owns), and every failed or unfinished step with its reason.
 */
export function plainStatus(view: RequestView, viewerId: string, lastEventAt: string | undefined, now: Date): PlainStatus {
  const idle = lastEventAt ? now.getTime() - Date.parse(lastEventAt) : 0;
  const stuck = idle >= STUCK_AFTER_MS;
  const problems: string[] = [];
  for (const f of view.files) {
    if (f.scan?.status === 'not_scanned') problems.push(`${f.name} could not be scanned for malware: ${f.scan.reason}. It cannot be approved.`);
    if (f.scan?.status === 'infected') problems.push(`${f.name} carries malware (${f.scan.signature}); it was moved to the blocked bucket and is never shown.`);
    if (f.check?.verdict === 'review') problems.push(`${f.name} could not be checked automatically; a checker must look at it.`);
  }
  const scanned = view.files.filter((f) => f.scan).length;
  const checked = view.files.filter((f) => f.check).length;
  const total = view.files.length;
  const waiting = (what: string) =>
    stuck
      ? `${what} has not moved for ${minutes(idle)} minutes: a scanner, checker or broker may be unavailable. The request waits; nothing is passed by default.`
      : undefined;
  switch (view.status) {
    case 'submitted':
    case 'checking': {
      const stall = waiting('Automated checking');
      if (stall) problems.unshift(stall);
      return {
        label: 'Automated checks running',
        tone: stuck ? 'warning' : 'information',
        summary: `Malware scan done for ${scanned} of ${total} files, disclosure check for ${checked} of ${total}. Checkers can vote once every file is checked.`,
        problems,
      };
    }
    case 'awaiting_review': {
      const { voted, of } = myProgress(view, viewerId);
      const done = voted === of;
      return {
        label: done ? 'Waiting for the other checker' : 'Waiting for your review',
        tone: 'information',
        summary: `You have voted on ${voted} of ${of} files in turn ${view.turn}. Votes and comments of other checkers stay hidden until the turn is decided.`,
        problems,
      };
    }
    case 'changes_requested':
      return {
        label: 'Returned to the researcher',
        tone: 'information',
        summary: `Checkers asked for changes in turn ${view.turn}; the researcher may revise and resubmit.`,
        problems,
      };
    case 'approved': {
      const stall = waiting('Release');
      if (stall) problems.unshift(stall);
      return {
        label: 'Approved, being released',
        tone: stuck ? 'warning' : 'success',
        summary: 'Both checks passed and the checkers approved; the files are being copied to the released bucket after their hashes are verified.',
        problems,
      };
    }
    case 'released':
      return { label: 'Released', tone: 'success', summary: 'The approved files are in the released bucket; the researcher can download them.', problems };
    case 'rejected':
      return {
        label: 'Rejected',
        tone: 'error',
        summary: 'Checkers rejected the request; its files are kept in the rejected bucket for the retention period.',
        problems,
      };
    case 'withdrawn':
      return { label: 'Withdrawn', tone: 'information', summary: 'The researcher withdrew the request before a decision.', problems };
    case 'blocked':
      return { label: 'Blocked: malware found', tone: 'error', summary: view.reason ?? 'A file carries malware.', problems };
    case 'failed':
      return { label: 'Failed', tone: 'error', summary: `A step failed for good: ${view.reason ?? 'no reason was recorded'}.`, problems };
    case 'revoked':
      return {
        label: 'Release revoked',
        tone: 'error',
        summary: `The release was revoked: ${view.reason ?? 'no reason was recorded'}. Links no longer work.`,
        problems,
      };
    default:
      return { label: view.status, tone: 'information', summary: '', problems };
  }
}

export type TimelineEntry = { at: string; text: string };

/** Every file name the stream ever had, by file id (files of earlier turns are no longer in the view). */
const fileNames = (envelopes: readonly EventEnvelope[]): Map<string, string> => {
  const names = new Map<string, string>();
  for (const envelope of envelopes) {
    try {
      const event = toDomainEvent(envelope);
      if (event.type === 'FileUploaded') names.set(event.data.fileId, event.data.name);
    } catch {
      continue;
    }
  }
  return names;
};

/**
 * The files as submitted in the latest turn before `turn`, read from its RequestSubmitted event,
 * the record of what the checkers were given then (a rejected or withdrawn turn, which the fold's
 * history does not record as returned, is found here too).
 */
export function submittedBefore(envelopes: readonly EventEnvelope[], turn: number): { turn: number; files: SubmittedFile[] } | undefined {
  let found: { turn: number; files: SubmittedFile[] } | undefined;
  for (const envelope of envelopes) {
    let event;
    try {
      event = toDomainEvent(envelope);
    } catch {
      continue;
    }
    if (event.type === 'RequestSubmitted' && event.data.turn < turn && (!found || event.data.turn > found.turn))
      found = { turn: event.data.turn, files: event.data.files };
  }
  return found;
}
const DECISION_WORDS = { approve: 'approved', request_changes: 'asked for changes to', reject: 'rejected' } as const;

/**
 * The request's events as a timeline a checker may see. Blinded review: while a turn is open,
 * another checker's votes and comments of that turn are left out (as the view leaves them out);
 * comment text is never repeated here (the comments list shows what may be seen).
 */
export function timeline(envelopes: readonly EventEnvelope[], view: RequestView, viewerId: string): TimelineEntry[] {
  const open = ['submitted', 'checking', 'awaiting_review'].includes(view.status);
  const hidden = (turn: number, by: string) => open && turn === view.turn && by !== viewerId && by !== view.authorId;
  const entries: TimelineEntry[] = [];
  const names = fileNames(envelopes);
  const FILE = (shown: RequestView, fileId: string) => names.get(fileId) ?? shown.files.find((f) => f.fileId === fileId)?.name ?? 'a file';
  for (const envelope of envelopes) {
    let event;
    try {
      event = toDomainEvent(envelope);
    } catch {
      continue;
    }
    const text = ((): string | undefined => {
      switch (event.type) {
        case 'RequestCreated':
          return `${event.data.authorId} created the request`;
        case 'GroupDefined':
          return `Group “${event.data.group}” described`;
        case 'FileUploaded':
          return `${event.data.name} uploaded (${event.data.kind})`;
        case 'FileRemoved':
          return `A draft file was removed`;
        case 'RequestSubmitted':
          return `Submitted for turn ${event.data.turn} with ${event.data.files.length} files`;
        case 'RequestWithdrawn':
          return 'Withdrawn by the researcher';
        case 'ChecksStarted':
          return `Automated checks started (turn ${event.data.turn})`;
        case 'FileScanned':
          return `${FILE(view, event.data.fileId)} scanned: ${event.data.result.status.replace('_', ' ')}${'engine' in event.data.result ? ` (${event.data.result.engine})` : ''}`;
        case 'FileBlocked':
          return `${FILE(view, event.data.fileId)} blocked: ${event.data.reason}`;
        case 'RequestBlocked':
          return `Request blocked: ${event.data.reason}`;
        case 'FileChecked':
          return `${FILE(view, event.data.fileId)} checked: ${event.data.verdict}, ${event.data.findings.length} findings (rules ${event.data.rulesVersion})`;
        case 'ReviewOpened':
          return `Ready for review (turn ${event.data.turn})`;
        case 'ExceptionRequested':
          return `The researcher asked for an exception to ${event.data.rule} on ${FILE(view, event.data.fileId)}`;
        case 'VoteCast':
          if (hidden(event.data.turn, event.data.checkerId)) return undefined;
          return `${event.data.checkerId === viewerId ? 'You' : event.data.checkerId} ${DECISION_WORDS[event.data.decision]} ${FILE(view, event.data.fileId)}${event.data.overrideJustification ? ' (overriding the automated verdict)' : ''}`;
        case 'CommentAdded':
          if (
            hidden(event.data.turn, event.data.authorId) ||
            (event.data.comment.visibility === 'private' && event.data.authorId !== viewerId && open && event.data.turn === view.turn)
          )
            return undefined;
          return `${event.data.authorId === viewerId ? 'You' : event.data.authorId} commented (${event.data.comment.visibility})`;
        case 'RequestApproved':
          return `Approved in turn ${event.data.turn}`;
        case 'ChangesRequested':
          return `Changes requested in turn ${event.data.turn}`;
        case 'RequestRejected':
          return `Rejected in turn ${event.data.turn}`;
        case 'FileReleased':
          return `${FILE(view, event.data.fileId)} released`;
        case 'RequestReleased':
          return 'Released';
        case 'DownloadLinkIssued':
          return `Download link issued for ${FILE(view, event.data.fileId)}`;
        case 'FileDownloaded':
          return `${FILE(view, event.data.fileId)} downloaded`;
        case 'RequestRevoked':
          return `Release revoked: ${event.data.reason}`;
        case 'ReleasedFileWithdrawn':
          return `${FILE(view, event.data.fileId)} withdrawn from the released bucket`;
        case 'RejectedFileMoved':
          return `${FILE(view, event.data.fileId)} moved to the rejected bucket`;
        case 'RequestFailed':
          return `Failed: ${event.data.reason}`;
        default:
          return undefined;
      }
    })();
    if (text) entries.push({ at: envelope.time, text });
  }
  return entries;
}

export type QueueTab = 'awaiting' | 'returned' | 'decided';
export const QUEUE_TABS: Record<QueueTab, { label: string; statuses: readonly string[] }> = {
  awaiting: { label: 'Awaiting review', statuses: ['submitted', 'checking', 'awaiting_review'] },
  returned: { label: 'Returned', statuses: ['changes_requested'] },
  decided: { label: 'Decided', statuses: ['approved', 'released', 'rejected', 'revoked', 'withdrawn', 'blocked', 'failed'] },
};

export const queueTab = (value: unknown): QueueTab => (value === 'returned' || value === 'decided' ? value : 'awaiting');

/** Search over what the queue shows: title, project, author, request id; every word must match. */
export function matchesSearch(item: { title: string; projectId: string; authorId: string; requestId: string }, search: string): boolean {
  const haystack = `${item.title} ${item.projectId} ${item.authorId} ${item.requestId}`.toLowerCase();
  return search
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}

/** "3 days", "5 hours", "12 minutes": how long ago, for the queue's age column. */
export function age(since: string, now: Date): string {
  const ms = Math.max(0, now.getTime() - Date.parse(since));
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  for (const [size, unit] of units) {
    const n = Math.floor(ms / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? '' : 's'}`;
  }
  return 'under a minute';
}

/** Bytes as people read them. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
