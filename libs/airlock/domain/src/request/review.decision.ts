import { DEFAULT_APPROVAL_POLICY, requiredReviews } from './approval-policy';
import type { RequestEvent } from './request.events';
import { releasableFiles, type ExistingRequest, type RequestFile, type Vote } from './request.state';

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

/** Other checkers' votes stay hidden from a checker while the review is open (blinded review). */
export function votesVisibleTo(state: ExistingRequest, viewerId: string, file: RequestFile): Vote[] {
  if (state.status !== 'awaiting_review') return file.votes;
  return file.votes.filter((v) => v.checkerId === viewerId);
}
