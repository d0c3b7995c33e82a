import { hasRole, type Actor } from '../identity/actor';
import { ID_RULE, invalidIdField } from '../identity/id.grammar';
import { projectPolicyViolation } from './project-policy.schema';
import { INPUT_LIMITS, textTooLong } from '../request/request.limits';
import type { ProjectPolicy, RegistryEvent } from './registry.events';
import type { RegistryState } from './registry.state';

export type RegistryErrorCode =
  | 'ROLE_REQUIRED'
  | 'PROJECT_EXISTS'
  | 'UNKNOWN_PROJECT'
  | 'ALREADY_MEMBER'
  | 'ALREADY_CHECKER'
  | 'INVALID_ID'
  | 'NOT_MEMBER'
  | 'NOT_ASSIGNED'
  | 'INVALID_POLICY'
  | 'INVALID_ACCREDITATION'
  | 'NOT_ACCREDITED'
  | 'TEXT_TOO_LONG';

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

type AdminCommand<TType extends string, TData> = { type: TType; actor: Actor; at: string; data: TData };
export type RegistryCommand =
  | AdminCommand<'CreateProject', { projectId: string; name: string; policy: ProjectPolicy }>
  | AdminCommand<'ChangeProjectPolicy', { projectId: string; policy: ProjectPolicy }>
  | AdminCommand<'AddMember', { projectId: string; userId: string }>
  | AdminCommand<'RemoveMember', { projectId: string; userId: string }>
  | AdminCommand<'AssignChecker', { projectId: string; userId: string }>
  | AdminCommand<'UnassignChecker', { projectId: string; userId: string }>
  | AdminCommand<'GrantAccreditation', { userId: string; expiresAt: string }>
  | AdminCommand<'RevokeAccreditation', { userId: string; reason: string }>;

// Every range of a project policy (project-policy.schema.ts): a value that switches a rule off
// (nkK = 1) or reads a percentage as a fraction never reaches a submission.
function validatePolicy(policy: ProjectPolicy): void {
  const violation = projectPolicyViolation(policy);
  if (violation) throw new RegistryError('INVALID_POLICY', violation.message, { field: violation.path });
}

// Ids follow one grammar (id.grammar.ts) whoever sends the command, not only through HTTP.
function validateIds(data: RegistryCommand['data']): void {
  const field = invalidIdField({
    ...('projectId' in data ? { projectId: data.projectId } : {}),
    ...('userId' in data ? { userId: data.userId } : {}),
  });
  if (field) throw new RegistryError('INVALID_ID', `${field} must be ${ID_RULE}`, { field });
}

/** Invariant 9: the text an administrator writes into a registry event is bounded (request.limits.ts). */
function requireRegistryTextWithinLimits(command: RegistryCommand): void {
  const [field, value, max] =
    command.type === 'CreateProject'
      ? (['name', command.data.name, INPUT_LIMITS.projectName] as const)
      : command.type === 'RevokeAccreditation'
        ? (['reason', command.data.reason, INPUT_LIMITS.reason] as const)
        : ([undefined, undefined, 0] as const);
  if (field && textTooLong(field, value, max)) throw new RegistryError('TEXT_TOO_LONG', `${field} is limited to ${max} characters`, { field, max });
}

function project(state: RegistryState, projectId: string) {
  const found = state.projects.get(projectId);
  if (!found) throw new RegistryError('UNKNOWN_PROJECT', 'No such project', { projectId });
  return found;
}

export function decideRegistry(command: RegistryCommand, state: RegistryState): RegistryEvent[] {
  if (!hasRole(command.actor, 'administrator')) {
    throw new RegistryError('ROLE_REQUIRED', 'This action needs the administrator role', { role: 'administrator' });
  }
  validateIds(command.data);
  requireRegistryTextWithinLimits(command);
  const meta = { by: command.actor.userId, at: command.at };
  switch (command.type) {
    case 'CreateProject':
      if (state.projects.has(command.data.projectId)) throw new RegistryError('PROJECT_EXISTS', 'A project with this id exists');
      validatePolicy(command.data.policy);
      return [{ type: 'ProjectCreated', data: { ...command.data, ...meta } }];
    case 'ChangeProjectPolicy':
      project(state, command.data.projectId);
      validatePolicy(command.data.policy);
      return [{ type: 'ProjectPolicyChanged', data: { ...command.data, ...meta } }];
    case 'AddMember': {
      const target = project(state, command.data.projectId);
      // The other direction of the rule below: a project's checker can never become its member.
      if (target.checkers.includes(command.data.userId)) throw new RegistryError('ALREADY_CHECKER', 'A checker of a project cannot be one of its members');
      if (target.members.includes(command.data.userId)) return [];
      return [{ type: 'MemberAdded', data: { ...command.data, ...meta } }];
    }
    case 'RemoveMember':
      if (!project(state, command.data.projectId).members.includes(command.data.userId)) {
        throw new RegistryError('NOT_MEMBER', 'This person is not a member of the project');
      }
      return [{ type: 'MemberRemoved', data: { ...command.data, ...meta } }];
    case 'AssignChecker': {
      const target = project(state, command.data.projectId);
      // A member of a project can never be one of its checkers (docs/design.md invariant 1).
      if (target.members.includes(command.data.userId)) throw new RegistryError('ALREADY_MEMBER', 'A project member cannot check its requests');
      if (target.checkers.includes(command.data.userId)) return [];
      return [{ type: 'CheckerAssigned', data: { ...command.data, ...meta } }];
    }
    case 'UnassignChecker':
      if (!project(state, command.data.projectId).checkers.includes(command.data.userId)) {
        throw new RegistryError('NOT_ASSIGNED', 'This person does not check this project');
      }
      return [{ type: 'CheckerUnassigned', data: { ...command.data, ...meta } }];
    case 'GrantAccreditation':
      if (!(command.data.expiresAt > command.at)) throw new RegistryError('INVALID_ACCREDITATION', 'An accreditation must expire in the future');
      return [{ type: 'AccreditationGranted', data: { ...command.data, ...meta } }];
    case 'RevokeAccreditation':
      if (!state.accreditations.has(command.data.userId)) throw new RegistryError('NOT_ACCREDITED', 'This person holds no accreditation');
      return [{ type: 'AccreditationRevoked', data: { ...command.data, ...meta } }];
  }
}
