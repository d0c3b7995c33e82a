import { DEFAULT_APPROVAL_POLICY, requiredReviews } from './approval-policy';
import type { RequestEvent } from './request.events';
import { releasableFiles, type CommentRecord, type ExistingRequest, type RequestFile, type RequestStatus, type Vote } from './request.state';

// Invariant 1: an approval counts only for the exact bytes of this turn, on a file scanned clean,
// and, where the disclosure check failed, only with a written override.
export function countsAsApproval(file: RequestFile, vote: Vote): boolean {
  if (vote.decision !== 'approve' || vote.sha256 !== file.sha256) return false;
  if (file.scan?.status !== 'clean' || !file.check) return false;
  return file.check.verdict !== 'fail' || Boolean(vote.overrideJustification?.trim());
}

/** Distinct checkers whose vote on this file counts as a review in this turn. */
function reviewers(file: RequestFile): string[] {
  const counted = file.votes.filter((v) => v.sha256 === file.sha256 && (v.decision !== 'approve' || countsAsApproval(file, v)));
  return [...new Set(counted.map((v) => v.checkerId))];
}

function checkersWith(files: RequestFile[], decision: Vote['decision']): string[] {
  return [...new Set(files.flatMap((f) => f.votes.filter((v) => v.decision === decision).map((v) => v.checkerId)))].sort();
}

/**
 * Once every releasable file has the reviews its policy requires, the request is decided:
 * any rejection rejects it, else any request for changes returns it, else it is approved.
 */
export function decisionIfComplete(state: ExistingRequest, at: string): RequestEvent[] {
  const policy = state.policy ?? DEFAULT_APPROVAL_POLICY;
  const files = releasableFiles(state);
  const complete = files.length > 0 && files.every((f) => reviewers(f).length >= requiredReviews(policy, { kind: f.kind, verdict: f.check?.verdict }));
  if (!complete) return [];
  const base = { requestId: state.requestId, turn: state.turn, policy, decidedAt: at };
  const rejectedBy = checkersWith(state.files, 'reject');
  if (rejectedBy.length > 0) return [{ type: 'RequestRejected', data: { ...base, rejectedBy } }];
  const requestedBy = checkersWith(state.files, 'request_changes');
  if (requestedBy.length > 0) return [{ type: 'ChangesRequested', data: { ...base, requestedBy } }];
  const approvers = [...new Set(files.flatMap((f) => f.votes.filter((v) => countsAsApproval(f, v)).map((v) => v.checkerId)))].sort();
  return [{ type: 'RequestApproved', data: { ...base, approvers } }];
}

// Blinded review: until the turn is decided, a checker's view must not reveal what the other
// checkers did (no votes, counts or comments of theirs), so that each review is independent.
const OPEN_TURN: readonly RequestStatus[] = ['submitted', 'checking', 'awaiting_review'];

/** True while the current turn has not been decided (nor ended otherwise). */
export function turnIsOpen(state: ExistingRequest): boolean {
  return OPEN_TURN.includes(state.status);
}

/**
 * The votes of the current turn a viewer may see: all once the turn is decided; while it is open
 * only the viewer's own and the approvals carried over from an earlier turn (cast, and shown to
 * every checker, when that turn was decided). The author never votes, so sees only carried ones.
 */
export function votesVisibleTo(state: ExistingRequest, viewerId: string, file: RequestFile): Vote[] {
  if (!turnIsOpen(state)) return file.votes;
  return file.votes.filter((v) => v.checkerId === viewerId || v.carried === true);
}

/** Approvals of the file's current bytes among the votes the viewer may see. */
export function approvalsVisibleTo(state: ExistingRequest, viewerId: string, file: RequestFile): number {
  return votesVisibleTo(state, viewerId, file).filter((v) => v.decision === 'approve' && v.sha256 === file.sha256).length;
}

/**
 * The comments a checker may see: all once the turn is decided; while it is open, those of
 * earlier turns, the researcher's and the checker's own, never another checker's of this turn.
 */
export function commentsVisibleToChecker(state: ExistingRequest, viewerId: string): CommentRecord[] {
  if (!turnIsOpen(state)) return state.comments;
  return state.comments.filter((c) => c.turn !== state.turn || c.authorId === viewerId || c.authorId === state.authorId);
}

/** How the researcher sees a person: themself by id, every checker as "Checker N" by first act on the request. */
export function pseudonymForResearcher(state: ExistingRequest, userId: string): string {
  if (userId === state.authorId) return userId;
  const index = state.checkers.indexOf(userId);
  return index < 0 ? 'Checker' : `Checker ${index + 1}`;
}
