import type { RecordCheck, RecordScan, StartChecks } from './request.commands';
import { RequestError } from './request.errors';
import type { RequestEvent } from './request.events';
import { evolve } from './request.evolve';
import { decisionIfComplete } from './review.decision';
import { existing, fileOf, isCurrentSystemStep, requireSameBytes } from './request.guards';
import type { ExistingRequest, RequestState } from './request.state';

export function startChecks(command: StartChecks, current: RequestState): RequestEvent[] {
  const state = existing(current);
  if (!isCurrentSystemStep(state, command.actor, command.data.turn, 'submitted')) return [];
  return [{ type: 'ChecksStarted', data: { requestId: state.requestId, turn: state.turn, startedAt: command.at } }];
}

/** When the last verdict is in, review opens; approvals carried from the last turn may already decide it. */
function reviewOpenedIfComplete(state: ExistingRequest, at: string): RequestEvent[] {
  if (!state.files.every((f) => f.scan && f.check)) return [];
  const opened: RequestEvent = { type: 'ReviewOpened', data: { requestId: state.requestId, turn: state.turn, openedAt: at } };
  return [opened, ...decisionIfComplete(evolve(state, opened) as ExistingRequest, at)];
}

export function recordScan(command: RecordScan, current: RequestState): RequestEvent[] {
  const state = existing(current);
  if (!isCurrentSystemStep(state, command.actor, command.data.turn, 'checking')) return [];
  const file = fileOf(state, command.data.fileId);
  requireSameBytes(file, command.data.sha256);
  if (file.scan) return [];
  const { requestId, turn } = state;
  const { fileId, sha256, result, blockedKey } = command.data;
  const scanned: RequestEvent = { type: 'FileScanned', data: { requestId, turn, fileId, sha256, result, scannedAt: command.at } };
  if (result.status !== 'infected') return [scanned, ...reviewOpenedIfComplete(evolve(state, scanned) as ExistingRequest, command.at)];
  if (!blockedKey) throw new RequestError('INVALID_COMMAND', 'An infected file must be moved to the blocked bucket first');
  const reason = `malware found: ${result.signature}`;
  return [
    scanned,
    { type: 'FileBlocked', data: { requestId, turn, fileId, sha256, blockedKey, reason, blockedAt: command.at } },
    { type: 'RequestBlocked', data: { requestId, turn, reason, blockedAt: command.at } },
  ];
}

export function recordCheck(command: RecordCheck, current: RequestState): RequestEvent[] {
  const state = existing(current);
  if (!isCurrentSystemStep(state, command.actor, command.data.turn, 'checking')) return [];
  const file = fileOf(state, command.data.fileId);
  requireSameBytes(file, command.data.sha256);
  if (file.check) return [];
  if (!file.scan) throw new RequestError('FILE_NOT_SCANNED', 'A file is checked only after its malware scan', { fileId: file.fileId });
  const checked: RequestEvent = { type: 'FileChecked', data: { requestId: state.requestId, ...command.data, checkedAt: command.at } };
  return [checked, ...reviewOpenedIfComplete(evolve(state, checked) as ExistingRequest, command.at)];
}
