import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional, ApiSchema, ApiTags } from '@nestjs/swagger';
import { RegistryError, RequestError, hasRole, type Actor, type FileKind, type ProjectPolicy, type RegistryCommand } from '@airlock/domain';
import {
  AUTH_PROBLEMS, ApiProblems, ApprovalPolicySchema, AuthGuard, CurrentActor, FILE_KINDS, HttpProblem, JSON_BODY_PROBLEMS, LIMITS,
  REQUEST_STATUSES, STORE_PROBLEMS, body, requestId, text, type ProblemCodes,
} from '@airlock/http';
import type { RegistryHandler, RequestCommandHandler } from '@airlock/runtime';

export const ADMIN_DEPS = Symbol('ADMIN_DEPS');
/** `defaultApprovals`: what a project gets when its policy does not say (AIRLOCK_REQUIRED_APPROVALS). */
export type AdminDeps = { registry: RegistryHandler; requests: RequestCommandHandler; defaultApprovals: number };

const ID = /^[\w.@-]{1,128}$/;

function id(value: string, field: string): string {
  if (!ID.test(value)) throw new HttpProblem(400, 'INVALID_ID', `${field} must be 1-128 letters, digits, '.', '@', '_' or '-'`);
  return value;
}

function requireAdministrator(actor: Actor): void {
  if (!hasRole(actor, 'administrator')) throw new RegistryError('ROLE_REQUIRED', 'This action needs the administrator role', { role: 'administrator' });
}

/** Policy from a JSON body; anything unset keeps the airlock's defaults. */
function policy(raw: unknown, defaultApprovals: number): ProjectPolicy {
  const input = raw === undefined ? {} : body(raw);
  const approval = body(input['approval'] ?? {});
  const disclosure = body(input['disclosure'] ?? {});
  const numberOr = (value: unknown, field: string, fallback?: number) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new HttpProblem(400, 'INVALID_BODY', `${field} must be a number`);
    return value;
  };
  const kinds = approval['extraApprovalForKinds'] ?? [];
  if (!Array.isArray(kinds) || !kinds.every((k) => ['output', 'supporting', 'code'].includes(k))) {
    throw new HttpProblem(400, 'INVALID_BODY', 'extraApprovalForKinds must list file kinds');
  }
  return {
    approval: {
      requiredApprovals: numberOr(approval['requiredApprovals'], 'requiredApprovals', defaultApprovals) as number,
      extraApprovalForReview: approval['extraApprovalForReview'] === true,
      extraApprovalForKinds: kinds,
    },
    disclosure: Object.fromEntries(
      (['minCellCount', 'p', 'nkN', 'nkK', 'classDisclosureShare', 'minResidualDof'] as const)
        .map((k) => [k, numberOr(disclosure[k], k)])
        .filter(([, v]) => v !== undefined),
    ),
  };
}

// OpenAPI: request and response schemas, with the limits the handlers and the registry enforce.
@ApiSchema({ name: 'ApprovalPolicyInput', description: 'Unset members take the airlock\'s defaults (AIRLOCK_REQUIRED_APPROVALS approvals, no extras).' })
export class ApprovalPolicyBody {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 10 }) requiredApprovals?: number;
  @ApiPropertyOptional({ default: false }) extraApprovalForReview?: boolean;
  @ApiPropertyOptional({ enum: FILE_KINDS, enumName: 'FileKind', isArray: true, default: [] }) extraApprovalForKinds?: FileKind[];
}

@ApiSchema({ name: 'DisclosureThresholds', description: 'Thresholds for the automated disclosure checks; unset values take the rules\' defaults.' })
export class DisclosureThresholdsSchema {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'Cells below this count are primary disclosive' }) minCellCount?: number;
  @ApiPropertyOptional() p?: number;
  @ApiPropertyOptional() nkN?: number;
  @ApiPropertyOptional() nkK?: number;
  @ApiPropertyOptional() classDisclosureShare?: number;
  @ApiPropertyOptional() minResidualDof?: number;
}

@ApiSchema({ name: 'ProjectPolicyInput' })
export class ProjectPolicyBody {
  @ApiPropertyOptional({ type: () => ApprovalPolicyBody }) approval?: ApprovalPolicyBody;
  @ApiPropertyOptional({ type: () => DisclosureThresholdsSchema }) disclosure?: DisclosureThresholdsSchema;
}

const ID_PATTERN = ID.source;
@ApiSchema({ name: 'CreateProject' })
export class CreateProjectBody {
  @ApiProperty({ pattern: ID_PATTERN, maxLength: LIMITS.projectId }) projectId!: string;
  @ApiProperty({ minLength: 1, maxLength: LIMITS.projectName, pattern: '\\S' }) name!: string;
  @ApiPropertyOptional({ type: () => ProjectPolicyBody }) policy?: ProjectPolicyBody;
}

@ApiSchema({ name: 'ProjectPolicy' })
export class ProjectPolicySchema {
  @ApiProperty({ type: () => ApprovalPolicySchema }) approval!: ApprovalPolicySchema;
  @ApiProperty({ type: () => DisclosureThresholdsSchema }) disclosure!: DisclosureThresholdsSchema;
}

@ApiSchema({ name: 'Project' })
export class ProjectSchema {
  @ApiProperty() projectId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: () => ProjectPolicySchema }) policy!: ProjectPolicySchema;
  @ApiProperty({ type: [String], description: 'Researchers of the project; never its checkers' }) members!: string[];
  @ApiProperty({ type: [String], description: 'Output checkers assigned to the project' }) checkers!: string[];
}

@ApiSchema({ name: 'GrantAccreditation' })
export class GrantAccreditationBody {
  @ApiProperty({ format: 'date-time', maxLength: 64, description: 'In the future' }) expiresAt!: string;
}

@ApiSchema({ name: 'Accreditation' })
export class AccreditationSchema {
  @ApiProperty() userId!: string;
  @ApiProperty() accredited!: boolean;
  @ApiPropertyOptional({ format: 'date-time' }) expiresAt?: string;
}

@ApiSchema({ name: 'RevokeRelease' })
export class RevokeBody {
  @ApiProperty({ minLength: 1, maxLength: LIMITS.reason, pattern: '\\S' }) reason!: string;
}

@ApiSchema({ name: 'RevokedRelease' })
export class RevokedSchema {
  @ApiProperty({ format: 'uuid' }) requestId!: string;
  @ApiProperty({ enum: REQUEST_STATUSES, enumName: 'RequestStatus', example: 'revoked' }) status!: string;
}

const ADMIN_READ: ProblemCodes[] = [AUTH_PROBLEMS, { 403: ['ROLE_REQUIRED'], 503: STORE_PROBLEMS[503] }];
const ADMIN: ProblemCodes[] = [...ADMIN_READ, STORE_PROBLEMS];
const ON_PROJECT: ProblemCodes = { 404: ['UNKNOWN_PROJECT'] };
const PROJECT_ID = ApiParam({ name: 'projectId' });
const USER_ID = ApiParam({ name: 'userId', schema: { type: 'string', pattern: ID_PATTERN } });

/** TRE administrators: projects, memberships, checker assignments, accreditation, policy, revocation. */
@ApiTags('admin')
@Controller('admin')
@UseGuards(AuthGuard)
export class AdminController {
  constructor(@Inject(ADMIN_DEPS) private readonly deps: AdminDeps) {}

  private async registry(actor: Actor, build: (at: string) => RegistryCommand) {
    requireAdministrator(actor);
    await this.deps.registry.execute(build);
  }

  @Post('projects')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a project with its approval policy' })
  @ApiBody({ type: CreateProjectBody })
  @ApiCreatedResponse({ type: ProjectSchema, description: 'The project' })
  @ApiProblems(...ADMIN, JSON_BODY_PROBLEMS, { 400: ['TEXT_TOO_LONG', 'INVALID_ID', 'INVALID_POLICY'], 409: ['PROJECT_EXISTS'] })
  async createProject(@CurrentActor() actor: Actor, @Body() raw: unknown) {
    const input = body(raw);
    const data = { projectId: id(text(input, 'projectId', LIMITS.projectId), 'projectId'), name: text(input, 'name', LIMITS.projectName), policy: policy(input['policy'], this.deps.defaultApprovals) };
    await this.registry(actor, (at) => ({ type: 'CreateProject', actor, at, data }));
    return this.project(actor, data.projectId);
  }

  @Get('projects/:projectId')
  @ApiOperation({ summary: 'A project with its members, checkers and policy' })
  @PROJECT_ID
  @ApiOkResponse({ type: ProjectSchema, description: 'The project' })
  @ApiProblems(...ADMIN_READ, ON_PROJECT)
  async project(@CurrentActor() actor: Actor, @Param('projectId') projectId: string) {
    requireAdministrator(actor);
    const project = (await this.deps.registry.load()).state.projects[projectId];
    if (!project) throw new RegistryError('UNKNOWN_PROJECT', 'No such project', { projectId });
    return project;
  }

  @Put('projects/:projectId/policy')
  @ApiOperation({ summary: "Change a project's policy", description: 'Requests keep the policy recorded when they were submitted.' })
  @PROJECT_ID
  @ApiBody({ type: ProjectPolicyBody, required: false })
  @ApiOkResponse({ type: ProjectSchema, description: 'The project' })
  @ApiProblems(...ADMIN, JSON_BODY_PROBLEMS, ON_PROJECT, { 400: ['INVALID_POLICY'] })
  async changePolicy(@CurrentActor() actor: Actor, @Param('projectId') projectId: string, @Body() raw: unknown) {
    await this.registry(actor, (at) => ({ type: 'ChangeProjectPolicy', actor, at, data: { projectId, policy: policy(raw, this.deps.defaultApprovals) } }));
    return this.project(actor, projectId);
  }

  @Put('projects/:projectId/members/:userId')
  @ApiOperation({ summary: 'Add a researcher to a project (idempotent)' })
  @PROJECT_ID
  @USER_ID
  @ApiOkResponse({ type: ProjectSchema, description: 'The project' })
  @ApiProblems(...ADMIN, ON_PROJECT, { 400: ['INVALID_ID'] })
  async addMember(@CurrentActor() actor: Actor, @Param('projectId') projectId: string, @Param('userId') userId: string) {
    await this.registry(actor, (at) => ({ type: 'AddMember', actor, at, data: { projectId, userId: id(userId, 'userId') } }));
    return this.project(actor, projectId);
  }

  @Delete('projects/:projectId/members/:userId')
  @ApiOperation({ summary: 'Remove a researcher from a project' })
  @PROJECT_ID
  @ApiParam({ name: 'userId' })
  @ApiOkResponse({ type: ProjectSchema, description: 'The project' })
  @ApiProblems(...ADMIN, { 404: ['UNKNOWN_PROJECT', 'NOT_MEMBER'] })
  async removeMember(@CurrentActor() actor: Actor, @Param('projectId') projectId: string, @Param('userId') userId: string) {
    await this.registry(actor, (at) => ({ type: 'RemoveMember', actor, at, data: { projectId, userId } }));
    return this.project(actor, projectId);
  }

  @Put('projects/:projectId/checkers/:userId')
  @ApiOperation({ summary: 'Assign an output checker to a project (idempotent)', description: "A project's members can never check it." })
  @PROJECT_ID
  @USER_ID
  @ApiOkResponse({ type: ProjectSchema, description: 'The project' })
  @ApiProblems(...ADMIN, ON_PROJECT, { 400: ['INVALID_ID'], 409: ['ALREADY_MEMBER'] })
  async assignChecker(@CurrentActor() actor: Actor, @Param('projectId') projectId: string, @Param('userId') userId: string) {
    await this.registry(actor, (at) => ({ type: 'AssignChecker', actor, at, data: { projectId, userId: id(userId, 'userId') } }));
    return this.project(actor, projectId);
  }

  @Delete('projects/:projectId/checkers/:userId')
  @ApiOperation({ summary: 'Unassign an output checker from a project' })
  @PROJECT_ID
  @ApiParam({ name: 'userId' })
  @ApiOkResponse({ type: ProjectSchema, description: 'The project' })
  @ApiProblems(...ADMIN, { 404: ['UNKNOWN_PROJECT', 'NOT_ASSIGNED'] })
  async unassignChecker(@CurrentActor() actor: Actor, @Param('projectId') projectId: string, @Param('userId') userId: string) {
    await this.registry(actor, (at) => ({ type: 'UnassignChecker', actor, at, data: { projectId, userId } }));
    return this.project(actor, projectId);
  }

  @Put('accreditations/:userId')
  @ApiOperation({ summary: "Grant or renew a person's accreditation until a date", description: 'Nobody acts on requests without an accreditation in force.' })
  @USER_ID
  @ApiBody({ type: GrantAccreditationBody })
  @ApiOkResponse({ type: AccreditationSchema, description: 'The accreditation' })
  @ApiProblems(...ADMIN, JSON_BODY_PROBLEMS, { 400: ['TEXT_TOO_LONG', 'INVALID_ID', 'INVALID_ACCREDITATION'] })
  async accredit(@CurrentActor() actor: Actor, @Param('userId') userId: string, @Body() raw: unknown) {
    const expiresAt = text(body(raw), 'expiresAt', 64);
    if (Number.isNaN(Date.parse(expiresAt))) throw new HttpProblem(400, 'INVALID_BODY', 'expiresAt must be an RFC 3339 date-time');
    const data = { userId: id(userId, 'userId'), expiresAt: new Date(expiresAt).toISOString() };
    await this.registry(actor, (at) => ({ type: 'GrantAccreditation', actor, at, data }));
    return { userId, expiresAt: data.expiresAt };
  }

  @Delete('accreditations/:userId')
  @ApiOperation({ summary: "Revoke a person's accreditation now" })
  @ApiParam({ name: 'userId' })
  @ApiOkResponse({ type: AccreditationSchema, description: 'No longer accredited' })
  @ApiProblems(...ADMIN, { 404: ['NOT_ACCREDITED'] })
  async revokeAccreditation(@CurrentActor() actor: Actor, @Param('userId') userId: string) {
    await this.registry(actor, (at) => ({ type: 'RevokeAccreditation', actor, at, data: { userId, reason: 'revoked by an administrator' } }));
    return { userId, accredited: false };
  }

  @Get('accreditations/:userId')
  @ApiOperation({ summary: "A person's accreditation" })
  @ApiParam({ name: 'userId' })
  @ApiOkResponse({ type: AccreditationSchema, description: 'The accreditation, if any' })
  @ApiProblems(...ADMIN_READ)
  async accreditation(@CurrentActor() actor: Actor, @Param('userId') userId: string) {
    requireAdministrator(actor);
    const found = (await this.deps.registry.load()).state.accreditations[userId];
    return { userId, accredited: Boolean(found), ...(found ? { expiresAt: found.expiresAt } : {}) };
  }

  /** Revocation stops every download link at once; the released objects are then removed. */
  @Post('requests/:requestId/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an approved or released request', description: 'Every download link stops working at once; the released objects are then removed.' })
  @ApiParam({ name: 'requestId', format: 'uuid', description: 'A request id; anything else is 404 REQUEST_NOT_FOUND' })
  @ApiBody({ type: RevokeBody })
  @ApiOkResponse({ type: RevokedSchema, description: 'The request is revoked' })
  @ApiProblems(AUTH_PROBLEMS, STORE_PROBLEMS, JSON_BODY_PROBLEMS, { 400: ['TEXT_TOO_LONG'], 403: ['ROLE_REQUIRED'], 404: ['REQUEST_NOT_FOUND'], 409: ['WRONG_STATE'] })
  async revoke(@CurrentActor() actor: Actor, @Param('requestId') rid: string, @Body() raw: unknown) {
    const reason = text(body(raw), 'reason', LIMITS.reason);
    const result = await this.deps.requests.execute(requestId(rid), (_s, at) => ({ type: 'Revoke', actor, at, data: { reason } }));
    if (result.state.status === 'none') throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
    return { requestId: rid, status: result.state.status };
  }
}
