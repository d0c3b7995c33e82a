import type { FailRequest, IssueDownloadLink, MoveRejectedFile, RecordDownload, ReleaseFile, Revoke, WithdrawReleasedFile } from './request.commands';
import { RequestError } from './request.errors';
import type { RequestEvent } from './request.events';
import { evolve } from './request.evolve';
import { existing, fileOf, requireAuthor, requireRole, requireSameBytes, requireStatus } from './request.guards';
import { TERMINAL_STATUSES, releasableFiles, releaseDestination, type ExistingRequest, type RequestState } from './request.state';

export function releaseFile(command: ReleaseFile, current: RequestState): RequestEvent[] {
  const state = existing(current);
  requireRole(command.actor, 'system');
  if (state.status !== 'approved') return [];
  const file = fileOf(state, command.data.fileId);
  if (file.kind === 'supporting') throw new RequestError('INVALID_COMMAND', 'Supporting files are never released');
  requireSameBytes(file, command.data.verifiedSha256);
  if (file.releasedKey) return [];
  const { requestId, turn } = state;
  const released: RequestEvent = {
    type: 'FileReleased',
    data: {
      requestId,
      turn,
      fileId: file.fileId,
      sha256: file.sha256,
      releasedKey: command.data.releasedKey,
      ...(state.direction === 'import' ? { destination: releaseDestination(state) } : {}),
      releasedAt: command.at,
    },
  };
  const done = releasableFiles(evolve(state, released) as ExistingRequest).every((f) => f.releasedKey);
  return done ? [released, { type: 'RequestReleased', data: { requestId, turn, releasedAt: command.at } }] : [released];
}

function requireDownloadable(state: ExistingRequest): void {
  if (state.status === 'revoked') throw new RequestError('RELEASE_REVOKED', 'This release was revoked');
  if (state.status !== 'released') throw new RequestError('FILE_NOT_RELEASED', 'Only released files can be downloaded');
}

export function issueDownloadLink(command: IssueDownloadLink, current: RequestState): RequestEvent[] {
  const state = existing(current);
  requireAuthor(state, command.actor, command.at);
  requireDownloadable(state);
  const file = fileOf(state, command.data.fileId);
  if (!file.releasedKey) throw new RequestError('FILE_NOT_RELEASED', 'Only released files can be downloaded', { fileId: file.fileId });
  if (state.links.some((l) => l.linkId === command.data.linkId)) throw new RequestError('INVALID_COMMAND', 'Link id already used');
  const data = { requestId: state.requestId, ...command.data, issuedTo: command.actor.userId, issuedAt: command.at };
  return [{ type: 'DownloadLinkIssued', data }];
}

export function recordDownload(command: RecordDownload, current: RequestState): RequestEvent[] {
  const state = existing(current);
  const link = state.links.find((l) => l.linkId === command.data.linkId);
  if (!link || link.issuedTo !== command.actor.userId) throw new RequestError('UNKNOWN_LINK', 'No such download link');
  requireAuthor(state, command.actor, command.at);
  requireDownloadable(state);
  if (link.used) throw new RequestError('LINK_USED', 'Each download link works once');
  if (command.at > link.expiresAt) throw new RequestError('LINK_EXPIRED', 'This download link has expired');
  const file = fileOf(state, link.fileId);
  const data = {
    requestId: state.requestId,
    fileId: file.fileId,
    sha256: file.sha256,
    linkId: link.linkId,
    downloadedBy: command.actor.userId,
    downloadedAt: command.at,
  };
  return [{ type: 'FileDownloaded', data }];
}

export function revoke(command: Revoke, current: RequestState): RequestEvent[] {
  const state = existing(current);
  requireRole(command.actor, 'administrator');
  requireStatus(state, ['approved', 'released'], 'revoke');
  const data = { requestId: state.requestId, turn: state.turn, reason: command.data.reason, revokedBy: command.actor.userId, revokedAt: command.at };
  return [{ type: 'RequestRevoked', data }];
}

export function withdrawReleasedFile(command: WithdrawReleasedFile, current: RequestState): RequestEvent[] {
  const state = existing(current);
  requireRole(command.actor, 'system');
  const file = fileOf(state, command.data.fileId);
  if (state.status !== 'revoked' || !file.releasedKey || file.withdrawnFromRelease) return [];
  const data = { requestId: state.requestId, fileId: file.fileId, sha256: file.sha256, releasedKey: file.releasedKey, withdrawnAt: command.at };
  return [{ type: 'ReleasedFileWithdrawn', data }];
}

export function moveRejectedFile(command: MoveRejectedFile, current: RequestState): RequestEvent[] {
  const state = existing(current);
  requireRole(command.actor, 'system');
  const file = fileOf(state, command.data.fileId);
  if (state.status !== 'rejected' || file.rejectedKey) return [];
  const data = { requestId: state.requestId, fileId: file.fileId, sha256: file.sha256, rejectedKey: command.data.rejectedKey, movedAt: command.at };
  return [{ type: 'RejectedFileMoved', data }];
}

export function failRequest(command: FailRequest, current: RequestState): RequestEvent[] {
  const state = existing(current);
  requireRole(command.actor, 'system');
  if (TERMINAL_STATUSES.includes(state.status) || state.status === 'released') return [];
  return [{ type: 'RequestFailed', data: { requestId: state.requestId, turn: state.turn, reason: command.data.reason, failedAt: command.at } }];
}
