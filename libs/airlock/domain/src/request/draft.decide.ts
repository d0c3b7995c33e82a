import { isMemberOf } from '../identity/actor';
import { ID_RULE, invalidIdField, type IdField } from '../identity/id.grammar';
import type { AddFile, CreateRequest, DefineGroup, RemoveFile, Submit, Withdraw } from './request.commands';
import { REQUEST_DIRECTIONS, importApprovalPolicy, importRefusal } from './import-policy';
import { RequestError } from './request.errors';
import type { CarriedVote, RequestEvent } from './request.events';
import { existing, fileOf, requireAccredited, requireAuthor, requireRole, requireStatus } from './request.guards';
import { requireGroupWithinLimits, requireRoomForFile } from './request.limits';
import { WITHDRAWABLE, type ExistingRequest, type RequestState } from './request.state';

const EDITABLE = ['draft', 'changes_requested'] as const;

// Ids a person names follow one grammar (id.grammar.ts) whoever sends the command.
function requireValidIds(ids: Partial<Record<IdField, string>>): void {
  const field = invalidIdField(ids);
  if (field) throw new RequestError('INVALID_ID', `${field} must be ${ID_RULE}`, { field });
}

// Own keys only: a file id such as `constructor` must not find Object.prototype.constructor.
function frozenKey(keys: Record<string, string>, fileId: string): string | undefined {
  const key = Object.hasOwn(keys, fileId) ? keys[fileId] : undefined;
  return typeof key === 'string' && key !== '' ? key : undefined;
}

export function createRequest(command: CreateRequest, state: RequestState): RequestEvent[] {
  // The author's id is stored on the request: it follows the grammar too.
  requireValidIds({ requestId: command.data.requestId, projectId: command.data.projectId, userId: command.actor.userId });
  if (state.status !== 'none') throw new RequestError('REQUEST_ALREADY_EXISTS', 'A request with this id exists');
  const { actor, at } = command;
  requireRole(actor, 'researcher');
  requireAccredited(actor, at);
  const { requestId, projectId, title, direction = 'export' } = command.data;
  if (!REQUEST_DIRECTIONS.includes(direction)) throw new RequestError('INVALID_COMMAND', `direction must be one of ${REQUEST_DIRECTIONS.join(', ')}`);
  if (!isMemberOf(actor, projectId)) throw new RequestError('NOT_PROJECT_MEMBER', 'You are not a member of this project', { projectId });
  return [{ type: 'RequestCreated', data: { requestId, projectId, title, authorId: actor.userId, direction, createdAt: at } }];
}

export function defineGroup(command: DefineGroup, current: RequestState): RequestEvent[] {
  requireValidIds({ group: command.data.group });
  const state = existing(current);
  requireAuthor(state, command.actor, command.at);
  requireStatus(state, EDITABLE, 'change the groups of');
  requireGroupWithinLimits(state, command.data);
  return [{ type: 'GroupDefined', data: { requestId: state.requestId, ...command.data, definedAt: command.at } }];
}

export function addFile(command: AddFile, current: RequestState): RequestEvent[] {
  requireValidIds({ fileId: command.data.fileId, group: command.data.group });
  const state = existing(current);
  requireAuthor(state, command.actor, command.at);
  requireStatus(state, EDITABLE, 'add files to');
  requireRoomForFile(state);
  if (command.data.size <= 0) throw new RequestError('EMPTY_FILE', 'An empty file cannot be submitted');
  if (!state.groups.some((g) => g.group === command.data.group)) {
    throw new RequestError('UNKNOWN_GROUP', 'Define the group with its context and controls before adding files to it', { group: command.data.group });
  }
  if (state.files.some((f) => f.name === command.data.name)) {
    throw new RequestError('FILE_NAME_TAKEN', 'The request already has a file with this name', { name: command.data.name });
  }
  const { importCheck, ...file } = command.data;
  if (state.direction !== 'import') return [{ type: 'FileUploaded', data: { requestId: state.requestId, ...file, uploadedAt: command.at } }];
  // Imports: a kind the project does not allow is refused here, before any checker sees it.
  if (!importCheck) throw new RequestError('INVALID_COMMAND', 'An import file must be classified before it is added');
  const refusal = importRefusal(importCheck, importCheck.content);
  if (refusal) {
    const { kind, mediaType } = importCheck.content;
    throw new RequestError('FILE_KIND_NOT_ALLOWED', refusal, { name: file.name, kind, mediaType, allowedKinds: importCheck.allowedKinds });
  }
  return [{ type: 'FileUploaded', data: { requestId: state.requestId, ...file, content: importCheck.content, uploadedAt: command.at } }];
}

export function removeFile(command: RemoveFile, current: RequestState): RequestEvent[] {
  const state = existing(current);
  requireAuthor(state, command.actor, command.at);
  requireStatus(state, EDITABLE, 'remove files from');
  fileOf(state, command.data.fileId);
  return [{ type: 'FileRemoved', data: { requestId: state.requestId, fileId: command.data.fileId, removedAt: command.at } }];
}

/** Approvals survive a resubmission only for files whose bytes did not change. */
function carriedVotes(state: ExistingRequest): CarriedVote[] {
  if (state.status !== 'changes_requested') return [];
  return state.files.flatMap((f) =>
    f.votes
      .filter((v) => v.decision === 'approve' && v.sha256 === f.sha256)
      .map((v) => ({
        fileId: f.fileId,
        sha256: f.sha256,
        checkerId: v.checkerId,
        castInTurn: v.turn,
        ...(v.overrideJustification ? { overrideJustification: v.overrideJustification } : {}),
      })),
  );
}

export function submit(command: Submit, current: RequestState): RequestEvent[] {
  const state = existing(current);
  requireAuthor(state, command.actor, command.at);
  requireStatus(state, EDITABLE, 'submit');
  if (!state.files.some((f) => f.kind !== 'supporting')) {
    throw new RequestError('NO_FILES', 'A request needs at least one output or code file to release');
  }
  const usedGroups = new Set(state.files.map((f) => f.group));
  const groups = state.groups.filter((g) => usedGroups.has(g.group));
  const incomplete = groups.filter((g) => !g.context.trim() || !g.controls.trim()).map((g) => g.group);
  if (incomplete.length > 0) {
    throw new RequestError('MISSING_CONTEXT', 'Every group needs its context and its disclosure controls', { groups: incomplete });
  }
  const imports = state.direction === 'import' ? command.data.imports : undefined;
  if (state.direction === 'import') {
    if (!imports) throw new RequestError('INVALID_COMMAND', "An import is submitted with the project's import policy");
    // The policy may have narrowed since upload: files of a kind no longer allowed never reach review.
    for (const f of state.files) {
      const refusal = f.content ? importRefusal(imports, f.content) : 'the file was never classified';
      if (refusal) throw new RequestError('FILE_KIND_NOT_ALLOWED', refusal, { name: f.name, kind: f.content?.kind, allowedKinds: imports.allowedKinds });
    }
  }
  const files = state.files.map((f) => {
    const quarantineKey = frozenKey(command.data.quarantineKeys, f.fileId);
    if (!quarantineKey) throw new RequestError('INVALID_COMMAND', 'Every file must be frozen before submission', { fileId: f.fileId });
    return { fileId: f.fileId, name: f.name, group: f.group, kind: f.kind, sha256: f.sha256, size: f.size, quarantineKey };
  });
  const data = {
    requestId: state.requestId,
    turn: state.turn + 1,
    files,
    groups,
    // Imports: one checker by default, from the import policy (docs/adr/0012-imports.md).
    policy: imports ? importApprovalPolicy(imports) : command.data.policy,
    disclosure: command.data.disclosure,
    carriedVotes: carriedVotes(state),
    ...(imports ? { direction: 'import' as const, imports } : {}),
    submittedBy: command.actor.userId,
    submittedAt: command.at,
  };
  return [{ type: 'RequestSubmitted', data }];
}

export function withdraw(command: Withdraw, current: RequestState): RequestEvent[] {
  const state = existing(current);
  requireAuthor(state, command.actor, command.at);
  requireStatus(state, WITHDRAWABLE, 'withdraw');
  return [{ type: 'RequestWithdrawn', data: { requestId: state.requestId, turn: state.turn, withdrawnBy: command.actor.userId, withdrawnAt: command.at } }];
}
