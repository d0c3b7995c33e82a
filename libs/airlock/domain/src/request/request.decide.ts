import { hasRole, type Actor } from '../identity/actor';
import type {
  AddFile,
  CastVote,
  CreateRequest,
  FailRequest,
  RecordCheck,
  RecordDownload,
  RecordScan,
  ReleaseFile,
  RequestCommand,
  StartChecks,
  Submit,
} from './request.commands';
import { RequestError } from './request.errors';
import type { RequestEvent, VoteCast } from './request.events';
import {
  TERMINAL_STATUSES,
  evolve,
  releasableFiles,
  type ExistingRequest,
  type RequestFile,
  type RequestState,
  type RequestStatus,
} from './request.state';

function existing(state: RequestState): ExistingRequest {
  if (state.status === 'none') throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
  return state;
}

function requireStatus(state: ExistingRequest, allowed: readonly RequestStatus[], action: string): void {
  if (!allowed.includes(state.status)) {
    throw new RequestError('WRONG_STATE', `Cannot ${action} a request that is ${state.status}`, {
      currentStatus: state.status,
      allowedStatuses: allowed,
    });
  }
}

function requireRole(actor: Actor, role: Actor['roles'][number]): void {
  if (!hasRole(actor, role)) throw new RequestError('ROLE_REQUIRED', `This action needs the ${role} role`, { role });
}

function requireAuthor(state: ExistingRequest, actor: Actor): void {
  if (state.authorId !== actor.userId) throw new RequestError('NOT_AUTHOR', 'Only the author of the request may do this');
}

function fileOf(state: ExistingRequest, fileId: string): RequestFile {
  const file = state.files.find((f) => f.fileId === fileId);
  if (!file) throw new RequestError('UNKNOWN_FILE', 'The request has no such file in its current turn', { fileId });
  return file;
}

function requireSameBytes(file: RequestFile, sha256: string): void {
  // Invariant 2 (frozen bytes): every step names the hash it worked on; a different hash is refused.
  if (file.sha256 !== sha256) {
    throw new RequestError('HASH_MISMATCH', 'The file hash differs from the one frozen at submission', { fileId: file.fileId });
  }
}

function createRequest(command: CreateRequest, state: RequestState): RequestEvent[] {
  if (state.status !== 'none') throw new RequestError('REQUEST_ALREADY_EXISTS', 'A request with this id exists');
  requireRole(command.actor, 'researcher');
  const { requestId, projectId, title } = command.data;
  return [{ type: 'RequestCreated', data: { requestId, projectId, title, authorId: command.actor.userId, createdAt: command.at } }];
}

function addFile(command: AddFile, current: RequestState): RequestEvent[] {
  const state = existing(current);
  requireAuthor(state, command.actor);
  requireStatus(state, ['draft'], 'add files to');
  if (command.data.size <= 0) throw new RequestError('EMPTY_FILE', 'An empty file cannot be submitted');
  if (state.files.some((f) => f.name === command.data.name)) {
    throw new RequestError('FILE_NAME_TAKEN', 'The request already has a file with this name', { name: command.data.name });
  }
  return [{ type: 'FileUploaded', data: { requestId: state.requestId, ...command.data, uploadedAt: command.at } }];
}

function submit(command: Submit, current: RequestState): RequestEvent[] {
  const state = existing(current);
  requireAuthor(state, command.actor);
  requireStatus(state, ['draft'], 'submit');
  if (state.files.length === 0) throw new RequestError('NO_FILES', 'A request needs at least one file');
  const files = state.files.map((f) => {
    const quarantineKey = command.data.quarantineKeys[f.fileId];
    if (!quarantineKey) throw new RequestError('INVALID_COMMAND', 'Every file must be frozen before submission', { fileId: f.fileId });
    return { fileId: f.fileId, name: f.name, kind: f.kind, sha256: f.sha256, size: f.size, quarantineKey };
  });
  const data = { requestId: state.requestId, turn: state.turn + 1, files, submittedBy: command.actor.userId, submittedAt: command.at };
  return [{ type: 'RequestSubmitted', data }];
}

function isCurrentSystemStep(state: ExistingRequest, actor: Actor, turn: number): boolean {
  requireRole(actor, 'system');
  // A redelivered step for an older turn, or for a request that has moved on, changes nothing.
  return turn === state.turn;
}

function startChecks(command: StartChecks, current: RequestState): RequestEvent[] {
  const state = existing(current);
  if (!isCurrentSystemStep(state, command.actor, command.data.turn) || state.status !== 'submitted') return [];
  return [{ type: 'ChecksStarted', data: { requestId: state.requestId, turn: state.turn, startedAt: command.at } }];
}

function reviewOpenedIfComplete(state: ExistingRequest, at: string): RequestEvent[] {
  const complete = state.files.every((f) => f.scan && f.check);
  return complete ? [{ type: 'ReviewOpened', data: { requestId: state.requestId, turn: state.turn, openedAt: at } }] : [];
}

function recordScan(command: RecordScan, current: RequestState): RequestEvent[] {
  const state = existing(current);
  if (!isCurrentSystemStep(state, command.actor, command.data.turn) || state.status !== 'checking') return [];
  const file = fileOf(state, command.data.fileId);
  requireSameBytes(file, command.data.sha256);
  if (file.scan) return [];
  const { requestId, turn } = state;
  const { fileId, sha256, result, blockedKey } = command.data;
  const scanned: RequestEvent = { type: 'FileScanned', data: { requestId, turn, fileId, sha256, result, scannedAt: command.at } };
  if (result.status !== 'infected') {
    const after = evolve(state, scanned) as ExistingRequest;
    return [scanned, ...reviewOpenedIfComplete(after, command.at)];
  }
  if (!blockedKey) throw new RequestError('INVALID_COMMAND', 'An infected file must be moved to the blocked bucket first');
  const reason = `malware found: ${result.signature}`;
  return [
    scanned,
    { type: 'FileBlocked', data: { requestId, turn, fileId, sha256, blockedKey, reason, blockedAt: command.at } },
    { type: 'RequestBlocked', data: { requestId, turn, reason, blockedAt: command.at } },
  ];
}

function recordCheck(command: RecordCheck, current: RequestState): RequestEvent[] {
  const state = existing(current);
  if (!isCurrentSystemStep(state, command.actor, command.data.turn) || state.status !== 'checking') return [];
  const file = fileOf(state, command.data.fileId);
  requireSameBytes(file, command.data.sha256);
  if (file.check) return [];
  if (!file.scan) throw new RequestError('FILE_NOT_SCANNED', 'A file is checked only after its malware scan', { fileId: file.fileId });
  const checked: RequestEvent = { type: 'FileChecked', data: { requestId: state.requestId, ...command.data, checkedAt: command.at } };
  return [checked, ...reviewOpenedIfComplete(evolve(state, checked) as ExistingRequest, command.at)];
}

function approvalsOf(file: RequestFile): string[] {
  return [...new Set(file.votes.filter((v) => v.decision === 'approve').map((v) => v.checkerId))];
}

function validateVote(state: ExistingRequest, command: CastVote, file: RequestFile): void {
  const { actor } = command;
  requireRole(actor, 'output_checker');
  if (actor.userId === state.authorId) throw new RequestError('SELF_REVIEW', 'The author of a request cannot review it');
  requireStatus(state, ['awaiting_review'], 'vote on');
  if (file.votes.some((v) => v.checkerId === actor.userId)) {
    throw new RequestError('DUPLICATE_VOTE', 'You have already voted on this file in this turn', { fileId: file.fileId });
  }
  if (command.data.decision !== 'approve') return;
  // Invariant 1: only a file known clean can be approved; "not scanned" is not clean.
  if (file.scan?.status !== 'clean') {
    throw new RequestError('FILE_NOT_SCANNED', 'A file that was not scanned clean cannot be approved', { fileId: file.fileId });
  }
  if (file.check?.verdict === 'fail' && !command.data.overrideJustification?.trim()) {
    throw new RequestError('OVERRIDE_REQUIRED', 'Approving a file that failed the disclosure check needs a justification', {
      fileId: file.fileId,
    });
  }
}

function castVote(command: CastVote, current: RequestState): RequestEvent[] {
  const state = existing(current);
  const file = fileOf(state, command.data.fileId);
  validateVote(state, command, file);
  const { policy, ...vote } = command.data;
  const voteCast: VoteCast = {
    type: 'VoteCast',
    data: { requestId: state.requestId, turn: state.turn, sha256: file.sha256, checkerId: command.actor.userId, ...vote, castAt: command.at },
  };
  const { requestId, turn } = state;
  if (vote.decision === 'reject') {
    return [voteCast, { type: 'RequestRejected', data: { requestId, turn, rejectedBy: [command.actor.userId], rejectedAt: command.at } }];
  }
  const after = evolve(state, voteCast) as ExistingRequest;
  const files = releasableFiles(after);
  const approved = files.length > 0 && files.every((f) => approvalsOf(f).length >= policy.requiredApprovals);
  if (!approved) return [voteCast];
  const approvers = [...new Set(files.flatMap(approvalsOf))].sort();
  return [voteCast, { type: 'RequestApproved', data: { requestId, turn, approvers, policy, approvedAt: command.at } }];
}

function releaseFile(command: ReleaseFile, current: RequestState): RequestEvent[] {
  const state = existing(current);
  requireRole(command.actor, 'system');
  if (state.status === 'released') return [];
  requireStatus(state, ['approved'], 'release');
  const file = fileOf(state, command.data.fileId);
  if (file.kind === 'supporting') throw new RequestError('INVALID_COMMAND', 'Supporting files are never released');
  requireSameBytes(file, command.data.verifiedSha256);
  if (file.releasedKey) return [];
  const { requestId, turn } = state;
  const released: RequestEvent = {
    type: 'FileReleased',
    data: { requestId, turn, fileId: file.fileId, sha256: file.sha256, releasedKey: command.data.releasedKey, releasedAt: command.at },
  };
  const after = evolve(state, released) as ExistingRequest;
  const done = releasableFiles(after).every((f) => f.releasedKey);
  return done ? [released, { type: 'RequestReleased', data: { requestId, turn, releasedAt: command.at } }] : [released];
}

function failRequest(command: FailRequest, current: RequestState): RequestEvent[] {
  const state = existing(current);
  requireRole(command.actor, 'system');
  if (TERMINAL_STATUSES.includes(state.status)) return [];
  return [{ type: 'RequestFailed', data: { requestId: state.requestId, turn: state.turn, reason: command.data.reason, failedAt: command.at } }];
}

function recordDownload(command: RecordDownload, current: RequestState): RequestEvent[] {
  const state = existing(current);
  requireAuthor(state, command.actor);
  const file = fileOf(state, command.data.fileId);
  if (state.status !== 'released' || !file.releasedKey) {
    throw new RequestError('FILE_NOT_RELEASED', 'Only released files can be downloaded', { fileId: file.fileId });
  }
  const data = { requestId: state.requestId, fileId: file.fileId, sha256: file.sha256, downloadedBy: command.actor.userId, downloadedAt: command.at };
  return [{ type: 'FileDownloaded', data }];
}

export function decide(command: RequestCommand, state: RequestState): RequestEvent[] {
  switch (command.type) {
    case 'CreateRequest':
      return createRequest(command, state);
    case 'AddFile':
      return addFile(command, state);
    case 'Submit':
      return submit(command, state);
    case 'StartChecks':
      return startChecks(command, state);
    case 'RecordScan':
      return recordScan(command, state);
    case 'RecordCheck':
      return recordCheck(command, state);
    case 'CastVote':
      return castVote(command, state);
    case 'ReleaseFile':
      return releaseFile(command, state);
    case 'FailRequest':
      return failRequest(command, state);
    case 'RecordDownload':
      return recordDownload(command, state);
  }
}
