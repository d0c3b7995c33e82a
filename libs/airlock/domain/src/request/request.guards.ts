import { checksProject, hasRole, isAccredited, isMemberOf, type Actor, type ActorRole } from '../identity/actor';
import { RequestError } from './request.errors';
import type { ExistingRequest, RequestFile, RequestState, RequestStatus } from './request.state';

// Small checks shared by the deciders; each refusal carries a code the HTTP layer maps.
export function existing(state: RequestState): ExistingRequest {
  if (state.status === 'none') throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
  return state;
}

export function requireStatus(state: ExistingRequest, allowed: readonly RequestStatus[], action: string): void {
  if (!allowed.includes(state.status)) {
    throw new RequestError('WRONG_STATE', `Cannot ${action} a request that is ${state.status}`, {
      currentStatus: state.status,
      allowedStatuses: allowed,
    });
  }
}

export function requireRole(actor: Actor, role: ActorRole): void {
  if (!hasRole(actor, role)) throw new RequestError('ROLE_REQUIRED', `This action needs the ${role} role`, { role });
}

/** Safe people: a person acts only while accredited (the token alone is not enough). */
export function requireAccredited(actor: Actor, at: string): void {
  if (!isAccredited(actor, at)) {
    throw new RequestError('NOT_ACCREDITED', 'Your accreditation is missing or has expired', { accreditedUntil: actor.accreditedUntil ?? null });
  }
}

export function requireAuthor(state: ExistingRequest, actor: Actor, at: string): void {
  if (state.authorId !== actor.userId) throw new RequestError('NOT_AUTHOR', 'Only the author of the request may do this');
  requireAccredited(actor, at);
}

/** An output checker independent of the request: accredited, assigned to its project, not its author, not a member. */
export function requireIndependentChecker(state: ExistingRequest, actor: Actor, at: string): void {
  requireRole(actor, 'output_checker');
  if (actor.userId === state.authorId) throw new RequestError('SELF_REVIEW', 'The author of a request cannot review it');
  requireAccredited(actor, at);
  if (isMemberOf(actor, state.projectId)) {
    throw new RequestError('PROJECT_MEMBER_REVIEW', "A member of the request's project cannot review it");
  }
  if (!checksProject(actor, state.projectId)) {
    throw new RequestError('NOT_ASSIGNED_CHECKER', 'You are not assigned to check this project', { projectId: state.projectId });
  }
}

export function fileOf(state: ExistingRequest, fileId: string): RequestFile {
  const file = state.files.find((f) => f.fileId === fileId);
  if (!file) throw new RequestError('UNKNOWN_FILE', 'The request has no such file in its current turn', { fileId });
  return file;
}

/** Invariant 2 (frozen bytes): every step names the hash it worked on; a different hash is refused. */
export function requireSameBytes(file: RequestFile, sha256: string): void {
  if (file.sha256 !== sha256) {
    throw new RequestError('HASH_MISMATCH', 'The file hash differs from the one frozen at submission', { fileId: file.fileId });
  }
}

/** A step of the system for a turn that is over, or a request that moved on, changes nothing. */
export function isCurrentSystemStep(state: ExistingRequest, actor: Actor, turn: number, status: RequestStatus): boolean {
  requireRole(actor, 'system');
  return turn === state.turn && state.status === status;
}
