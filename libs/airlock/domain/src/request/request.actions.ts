import { hasRole, type Actor } from '../identity/actor';
import type { RequestState } from './request.state';

// What the caller may do now, so that clients never have to re-implement the lifecycle rules.
export type RequestAction = 'upload_file' | 'submit' | 'review' | 'download' | 'view';

export function availableActions(state: RequestState, actor: Actor): RequestAction[] {
  if (state.status === 'none') return [];
  const isAuthor = state.authorId === actor.userId;
  const actions: RequestAction[] = [];
  if (isAuthor || hasRole(actor, 'output_checker')) actions.push('view');
  if (isAuthor && state.status === 'draft') actions.push('upload_file');
  if (isAuthor && state.status === 'draft' && state.files.length > 0) actions.push('submit');
  if (isAuthor && state.status === 'released') actions.push('download');
  const canReview = hasRole(actor, 'output_checker') && !isAuthor && state.status === 'awaiting_review';
  if (canReview && state.files.some((f) => !f.votes.some((v) => v.checkerId === actor.userId))) actions.push('review');
  return actions;
}
