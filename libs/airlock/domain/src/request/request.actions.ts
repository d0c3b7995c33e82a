import { checksProject, hasRole, isMemberOf, type Actor } from '../identity/actor';
import { WITHDRAWABLE, type RequestState } from './request.state';

// What the caller may do now, so that clients never re-implement the lifecycle rules.
export type RequestAction =
  'view' | 'define_group' | 'upload_file' | 'remove_file' | 'submit' | 'withdraw' | 'request_exception' | 'comment' | 'review' | 'download' | 'revoke';

export function availableActions(state: RequestState, actor: Actor, at: string): RequestAction[] {
  if (state.status === 'none') return [];
  const accredited = actor.accreditedUntil !== undefined && actor.accreditedUntil > at;
  const isAuthor = state.authorId === actor.userId && accredited;
  const independentChecker =
    hasRole(actor, 'output_checker') &&
    accredited &&
    state.authorId !== actor.userId &&
    !isMemberOf(actor, state.projectId) &&
    checksProject(actor, state.projectId);
  const editable = state.status === 'draft' || state.status === 'changes_requested';
  const actions: RequestAction[] = [];
  if (isAuthor || independentChecker || hasRole(actor, 'administrator')) actions.push('view');
  if (isAuthor && editable) actions.push('define_group', 'upload_file');
  if (isAuthor && editable && state.files.length > 0) actions.push('remove_file', 'submit');
  if (isAuthor && WITHDRAWABLE.includes(state.status)) actions.push('withdraw');
  if (isAuthor && (state.status === 'awaiting_review' || state.status === 'changes_requested') && state.files.some((f) => f.check?.findings.length)) {
    actions.push('request_exception');
  }
  if ((isAuthor || independentChecker) && state.status !== 'draft' && !['rejected', 'withdrawn', 'blocked', 'failed', 'revoked'].includes(state.status)) {
    actions.push('comment');
  }
  if (independentChecker && state.status === 'awaiting_review' && state.files.some((f) => !f.votes.some((v) => v.checkerId === actor.userId))) {
    actions.push('review');
  }
  if (isAuthor && state.status === 'released') actions.push('download');
  if (hasRole(actor, 'administrator') && (state.status === 'released' || state.status === 'approved')) actions.push('revoke');
  return actions;
}
