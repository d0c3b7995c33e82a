import type { RecordCheck, RecordScan, StartChecks } from './request.commands';
import { RequestError } from './request.errors';
import type { RequestEvent } from './request.events';
import { evolve } from './request.evolve';
import { decisionIfComplete } from './review.decision';
import { existing, fileOf, isCurrentSystemStep, requireSameBytes } from './request.guards';
import type { ExistingRequest, RequestFile, RequestState } from './request.state';

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

/** Imports whose project leaves statistical disclosure checks off (the default, import-policy.ts). */
function disclosureChecksOff(state: ExistingRequest): boolean {
  return state.direction === 'import' && state.imports?.disclosureChecks !== true;
}

/**
 * The check record of a file the policy exempts from disclosure checks: written with its scan,
 * it says plainly that no rule ran (`rulesVersion: 'not-run'`), so the review still sees every
 * file with a scan and a check and the disclosure-check service has nothing left to record.
 */
function checksNotRun(state: ExistingRequest, file: RequestFile, at: string): RequestEvent {
  const { requestId, turn } = state;
  return {
    type: 'FileChecked',
    data: {
      requestId,
      turn,
      fileId: file.fileId,
      sha256: file.sha256,
      verdict: 'pass',
      fileType: file.content?.kind ?? 'unknown',
      findings: [],
      rulesVersion: 'not-run',
      policy: { direction: 'import', disclosureChecks: false },
      checkedAt: at,
    },
  };
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
  if (result.status !== 'infected') {
    const notChecked = disclosureChecksOff(state) ? [checksNotRun(state, file, command.at)] : [];
    const after = [scanned, ...notChecked].reduce<RequestState>(evolve, state) as ExistingRequest;
    return [scanned, ...notChecked, ...reviewOpenedIfComplete(after, command.at)];
  }
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
