import type { AddComment, CastVote, RequestException } from './request.commands';
import { RequestError } from './request.errors';
import type { RequestEvent, VoteCast } from './request.events';
import { evolve } from './request.evolve';
import { countsAsApproval, decisionIfComplete } from './review.decision';
import { existing, fileOf, requireAuthor, requireIndependentChecker, requireStatus } from './request.guards';
import type { ExistingRequest, RequestFile, RequestState } from './request.state';

function validateVote(state: ExistingRequest, command: CastVote, file: RequestFile): void {
  const { actor, at } = command;
  requireIndependentChecker(state, actor, at);
  requireStatus(state, ['awaiting_review'], 'vote on');
  // A carried approval that no longer counts (the file is no longer known clean) may be replaced.
  if (file.votes.some((v) => v.checkerId === actor.userId && (!v.carried || countsAsApproval(file, v)))) {
    throw new RequestError('DUPLICATE_VOTE', 'You have already voted on this file in this turn', { fileId: file.fileId });
  }
  if (command.data.decision !== 'approve') return;
  if (file.scan?.status !== 'clean') {
    throw new RequestError('FILE_NOT_SCANNED', 'A file that was not scanned clean cannot be approved', { fileId: file.fileId });
  }
  if (file.check?.verdict === 'fail' && !command.data.overrideJustification?.trim()) {
    throw new RequestError('OVERRIDE_REQUIRED', 'Approving a file that failed the disclosure check needs a justification', { fileId: file.fileId });
  }
}

export function castVote(command: CastVote, current: RequestState): RequestEvent[] {
  const state = existing(current);
  const file = fileOf(state, command.data.fileId);
  validateVote(state, command, file);
  const voteCast: VoteCast = {
    type: 'VoteCast',
    data: { requestId: state.requestId, turn: state.turn, sha256: file.sha256, checkerId: command.actor.userId, ...command.data, castAt: command.at },
  };
  return [voteCast, ...decisionIfComplete(evolve(state, voteCast) as ExistingRequest, command.at)];
}

export function requestException(command: RequestException, current: RequestState): RequestEvent[] {
  const state = existing(current);
  requireAuthor(state, command.actor, command.at);
  requireStatus(state, ['awaiting_review', 'changes_requested'], 'ask for an exception on');
  const file = fileOf(state, command.data.fileId);
  if (!file.check?.findings.some((f) => f.rule === command.data.rule)) {
    throw new RequestError('UNKNOWN_FINDING', 'The file has no finding for this rule', { rule: command.data.rule });
  }
  const data = { requestId: state.requestId, turn: state.turn, ...command.data, requestedBy: command.actor.userId, requestedAt: command.at };
  return [{ type: 'ExceptionRequested', data }];
}

export function addComment(command: AddComment, current: RequestState): RequestEvent[] {
  const state = existing(current);
  const { actor, at } = command;
  if (actor.userId === state.authorId) {
    requireAuthor(state, actor, at);
    // Researchers answer in the open; private comments are for checkers only.
    if (command.data.comment.visibility !== 'public') throw new RequestError('INVALID_COMMAND', 'Authors can only add public comments');
  } else {
    requireIndependentChecker(state, actor, at);
  }
  requireStatus(state, ['submitted', 'checking', 'awaiting_review', 'changes_requested', 'approved', 'released'], 'comment on');
  if (command.data.fileId) fileOf(state, command.data.fileId);
  return [{ type: 'CommentAdded', data: { requestId: state.requestId, turn: state.turn, ...command.data, authorId: actor.userId, addedAt: at } }];
}
