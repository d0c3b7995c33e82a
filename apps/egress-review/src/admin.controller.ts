import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional, ApiSchema, ApiTags } from '@nestjs/swagger';
import { DISCLOSURE_POLICY_FIELDS } from '@airlock/disclosure-rules';
import {
  DEFAULT_IMPORT_POLICY,
  IMPORT_KINDS,
  RegistryError,
  RequestError,
  hasRole,
  projectPolicyViolation,
  type Actor,
  type FileKind,
  type ImportKind,
  type ProjectPolicy,
  type RegistryCommand,
} from '@airlock/domain';
import {
  AUTH_PROBLEMS,
  ApiIfMatch,
  ApiProblems,
  ApprovalPolicySchema,
  AuthGuard,
  CurrentActor,
  FILE_KINDS,
  HttpProblem,
  ID_SCHEMA,
  IF_MATCH_PROBLEMS,
  IfMatch,
  JSON_BODY_PROBLEMS,
  LIMITS,
  REQUEST_STATUSES,
  STORE_PROBLEMS,
  VERSION_ETAG,
  body,
  id,
  parseIfMatch,
  requestId,
  text,
  type ProblemCodes,
} from '@airlock/http';
import type { RegistryHandler, RequestCommandHandler } from '@airlock/application';
import type { Response } from 'express';

export const ADMIN_DEPS = Symbol('ADMIN_DEPS');
/** `defaultApprovals`: what a project gets when its policy does not say (AIRLOCK_REQUIRED_APPROVALS). */
export type AdminDeps = { registry: RegistryHandler; requests: RequestCommandHandler; defaultApprovals: number };

function requireAdministrator(actor: Actor): void {
  if (!hasRole(actor, 'administrator')) throw new RegistryError('ROLE_REQUIRED', 'This action needs the administrator role', { role: 'administrator' });
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Policy from a JSON body; anything unset keeps the airlock's defaults. Checked by the same
 * schema the registry's decide uses (project-policy.schema.ts): a value out of range is a 400
 * INVALID_POLICY naming the field, e.g. `policy.disclosure.nkK`.
 */
function policy(raw: unknown, defaultApprovals: number): ProjectPolicy {
  const input = raw === undefined ? {} : raw;
  const approval = isObject(input) ? (input['approval'] ?? {}) : undefined;
  const candidate = isObject(input)
    ? {
        ...input,
        approval: isObject(approval)
          ? { requiredApprovals: defaultApprovals, extraApprovalForReview: false, extraApprovalForKinds: [], ...approval }
          : approval,
        disclosure: input['disclosure'] ?? {},
        // Imports (docs/adr/0012-imports.md): unset members take DEFAULT_IMPORT_POLICY.
        ...(input['imports'] === undefined
          ? {}
          : { imports: isObject(input['imports']) ? { ...DEFAULT_IMPORT_POLICY, ...input['imports'] } : input['imports'] }),
      }
    : input;
  const violation = isObject(input) ? projectPolicyViolation(candidate) : { path: 'policy', message: 'policy must be a JSON object' };
  if (violation) throw new RegistryError('INVALID_POLICY', violation.message, { field: violation.path });
  return candidate as ProjectPolicy;
}

// OpenAPI: request and response schemas, with the limits the handlers and the registry enforce.
@ApiSchema({ name: 'ApprovalPolicyInput', description: "Unset members take the airlock's defaults (AIRLOCK_REQUIRED_APPROVALS approvals, no extras)." })
export class ApprovalPolicyBody {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 10 }) requiredApprovals?: number;
  @ApiPropertyOptional({ default: false }) extraApprovalForReview?: boolean;
  @ApiPropertyOptional({ enum: FILE_KINDS, enumName: 'FileKind', isArray: true, default: [] }) extraApprovalForKinds?: FileKind[];
}

@ApiSchema({ name: 'DisclosureThresholds', description: "Thresholds for the automated disclosure checks; unset values take the rules' defaults." })
export class DisclosureThresholdsSchema {
  // Ranges from the rules' policy schema (libs/disclosure/rules/src/policy.schema.ts); out of range is 400 INVALID_POLICY.
  @ApiPropertyOptional({ type: 'integer', minimum: 2, maximum: 1000, description: DISCLOSURE_POLICY_FIELDS.threshold.schema.description })
  minCellCount?: number;
  @ApiPropertyOptional({ minimum: 0, exclusiveMinimum: true, maximum: 1, description: DISCLOSURE_POLICY_FIELDS.p.schema.description }) p?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 10, description: DISCLOSURE_POLICY_FIELDS.nkN.schema.description }) nkN?: number;
  @ApiPropertyOptional({ minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true, description: DISCLOSURE_POLICY_FIELDS.nkK.schema.description })
  nkK?: number;
  @ApiPropertyOptional({
    minimum: 0,
    exclusiveMinimum: true,
    maximum: 1,
    exclusiveMaximum: true,
    description: DISCLOSURE_POLICY_FIELDS.classDisclosureShare.schema.description,
  })
  classDisclosureShare?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, description: DISCLOSURE_POLICY_FIELDS.minResidualDof.schema.description })
  minResidualDof?: number;
}

@ApiSchema({
  name: 'ImportPolicyInput',
  description:
    'Files coming into the TRE. The malware scan always runs. Unset members take the defaults: code, data and documents; no disclosure checks; one checker.',
})
export class ImportPolicyBody {
  @ApiPropertyOptional({ enum: IMPORT_KINDS, enumName: 'ImportKind', isArray: true, default: DEFAULT_IMPORT_POLICY.allowedKinds }) allowedKinds?: ImportKind[];
  @ApiPropertyOptional({ default: false, description: 'Run the statistical disclosure checks on imports too' }) disclosureChecks?: boolean;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 10, default: 1 }) requiredApprovals?: number;
}

@ApiSchema({ name: 'ProjectPolicyInput' })
export class ProjectPolicyBody {
  @ApiPropertyOptional({ type: () => ApprovalPolicyBody }) approval?: ApprovalPolicyBody;
  @ApiPropertyOptional({ type: () => DisclosureThresholdsSchema }) disclosure?: DisclosureThresholdsSchema;
  @ApiPropertyOptional({ type: () => ImportPolicyBody }) imports?: ImportPolicyBody;
}

@ApiSchema({ name: 'CreateProject' })
export class CreateProjectBody {
  @ApiProperty(ID_SCHEMA) projectId!: string;
  @ApiProperty({ minLength: 1, maxLength: LIMITS.projectName, pattern: '\\S' }) name!: string;
  @ApiPropertyOptional({ type: () => ProjectPolicyBody }) policy?: ProjectPolicyBody;
}

@ApiSchema({ name: 'ProjectPolicy' })
export class ProjectPolicySchema {
  @ApiProperty({ type: () => ApprovalPolicySchema }) approval!: ApprovalPolicySchema;
  @ApiProperty({ type: () => DisclosureThresholdsSchema }) disclosure!: DisclosureThresholdsSchema;
  @ApiPropertyOptional({ type: () => ImportPolicyBody, description: 'Absent: the default import policy' }) imports?: ImportPolicyBody;
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
const PROJECT_ID = ApiParam({ name: 'projectId', schema: ID_SCHEMA });
const USER_ID = ApiParam({ name: 'userId', schema: ID_SCHEMA });
const BAD_ID: ProblemCodes = { 400: ['INVALID_ID'] };

/** TRE administrators: projects, memberships, checker assignments, accreditation, policy, revocation. */
@ApiTags('admin')
@Controller('admin')
@UseGuards(AuthGuard)
export class AdminController {
  constructor(@Inject(ADMIN_DEPS) private readonly deps: AdminDeps) {}

  /** `ifMatch`: the ETag of a project read (the registry's version); with it the change is decided against that version or refused 412. */
  private async registry(actor: Actor, build: (at: string) => RegistryCommand, ifMatch?: string): Promise<number> {
    requireAdministrator(actor);
    const expectedVersion = parseIfMatch(ifMatch);
    return (await this.deps.registry.execute(build, { expectedVersion })).version;
  }

  /**
   * A project and its ETag: the version of the registry stream it is folded from (administrators
   * see the whole registry, so the version hides nothing from them). Any registry change moves it.
   */
  private async projectRead(projectId: string, response: Response) {
    const { state, version } = await this.deps.registry.load();
    const project = state.projects.get(id(projectId, 'projectId'));
    if (!project) throw new RegistryError('UNKNOWN_PROJECT', 'No such project', { projectId });
    response.setHeader('ETag', `"${version}"`);
    return project;
  }

  @Post('projects')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a project with its approval policy' })
  @ApiBody({ type: CreateProjectBody })
  @ApiCreatedResponse({ type: ProjectSchema, headers: VERSION_ETAG, description: 'The project' })
  @ApiProblems(...ADMIN, JSON_BODY_PROBLEMS, { 400: ['TEXT_TOO_LONG', 'INVALID_ID', 'INVALID_POLICY'], 409: ['PROJECT_EXISTS'] })
  async createProject(@CurrentActor() actor: Actor, @Body() raw: unknown, @Res({ passthrough: true }) response: Response) {
    const input = body(raw);
    const data = {
      projectId: id(input['projectId'], 'projectId'),
      name: text(input, 'name', LIMITS.projectName),
      policy: policy(input['policy'], this.deps.defaultApprovals),
    };
    await this.registry(actor, (at) => ({ type: 'CreateProject', actor, at, data }));
    return this.projectRead(data.projectId, response);
  }

  @Get('projects/:projectId')
  @ApiOperation({ summary: 'A project with its members, checkers and policy' })
  @PROJECT_ID
  @ApiOkResponse({ type: ProjectSchema, headers: VERSION_ETAG, description: 'The project' })
  @ApiProblems(...ADMIN_READ, ON_PROJECT, BAD_ID)
  async project(@CurrentActor() actor: Actor, @Param('projectId') projectId: string, @Res({ passthrough: true }) response: Response) {
    requireAdministrator(actor);
    return this.projectRead(projectId, response);
  }

  @Put('projects/:projectId/policy')
  @ApiOperation({ summary: "Change a project's policy", description: 'Requests keep the policy recorded when they were submitted.' })
  @PROJECT_ID
  @ApiIfMatch('version')
  @ApiBody({ type: ProjectPolicyBody, required: false })
  @ApiOkResponse({ type: ProjectSchema, headers: VERSION_ETAG, description: 'The project' })
  @ApiProblems(IF_MATCH_PROBLEMS, ...ADMIN, JSON_BODY_PROBLEMS, ON_PROJECT, { 400: ['INVALID_POLICY', 'INVALID_ID'] })
  async changePolicy(
    @CurrentActor() actor: Actor,
    @IfMatch() ifMatch: string | undefined,
    @Param('projectId') projectId: string,
    @Body() raw: unknown,
    @Res({ passthrough: true }) response: Response,
  ) {
    await this.registry(
      actor,
      (at) => ({ type: 'ChangeProjectPolicy', actor, at, data: { projectId: id(projectId, 'projectId'), policy: policy(raw, this.deps.defaultApprovals) } }),
      ifMatch,
    );
    return this.projectRead(projectId, response);
  }

  @Put('projects/:projectId/members/:userId')
  @ApiOperation({ summary: 'Add a researcher to a project (idempotent)' })
  @PROJECT_ID
  @ApiIfMatch('version')
  @USER_ID
  @ApiOkResponse({ type: ProjectSchema, headers: VERSION_ETAG, description: 'The project' })
  @ApiProblems(IF_MATCH_PROBLEMS, ...ADMIN, ON_PROJECT, BAD_ID, { 409: ['ALREADY_CHECKER'] })
  async addMember(
    @CurrentActor() actor: Actor,
    @IfMatch() ifMatch: string | undefined,
    @Param('projectId') projectId: string,
    @Param('userId') userId: string,
    @Res({ passthrough: true }) response: Response,
  ) {
    await this.registry(
      actor,
      (at) => ({ type: 'AddMember', actor, at, data: { projectId: id(projectId, 'projectId'), userId: id(userId, 'userId') } }),
      ifMatch,
    );
    return this.projectRead(projectId, response);
  }

  @Delete('projects/:projectId/members/:userId')
  @ApiOperation({ summary: 'Remove a researcher from a project' })
  @PROJECT_ID
  @ApiIfMatch('version')
  @USER_ID
  @ApiOkResponse({ type: ProjectSchema, headers: VERSION_ETAG, description: 'The project' })
  @ApiProblems(IF_MATCH_PROBLEMS, ...ADMIN, BAD_ID, { 404: ['UNKNOWN_PROJECT', 'NOT_MEMBER'] })
  async removeMember(
    @CurrentActor() actor: Actor,
    @IfMatch() ifMatch: string | undefined,
    @Param('projectId') projectId: string,
    @Param('userId') userId: string,
    @Res({ passthrough: true }) response: Response,
  ) {
    await this.registry(
      actor,
      (at) => ({ type: 'RemoveMember', actor, at, data: { projectId: id(projectId, 'projectId'), userId: id(userId, 'userId') } }),
      ifMatch,
    );
    return this.projectRead(projectId, response);
  }

  @Put('projects/:projectId/checkers/:userId')
  @ApiOperation({ summary: 'Assign an output checker to a project (idempotent)', description: "A project's members can never check it." })
  @PROJECT_ID
  @ApiIfMatch('version')
  @USER_ID
  @ApiOkResponse({ type: ProjectSchema, headers: VERSION_ETAG, description: 'The project' })
  @ApiProblems(IF_MATCH_PROBLEMS, ...ADMIN, ON_PROJECT, BAD_ID, { 409: ['ALREADY_MEMBER'] })
  async assignChecker(
    @CurrentActor() actor: Actor,
    @IfMatch() ifMatch: string | undefined,
    @Param('projectId') projectId: string,
    @Param('userId') userId: string,
    @Res({ passthrough: true }) response: Response,
  ) {
    await this.registry(
      actor,
      (at) => ({ type: 'AssignChecker', actor, at, data: { projectId: id(projectId, 'projectId'), userId: id(userId, 'userId') } }),
      ifMatch,
    );
    return this.projectRead(projectId, response);
  }

  @Delete('projects/:projectId/checkers/:userId')
  @ApiOperation({ summary: 'Unassign an output checker from a project' })
  @PROJECT_ID
  @ApiIfMatch('version')
  @USER_ID
  @ApiOkResponse({ type: ProjectSchema, headers: VERSION_ETAG, description: 'The project' })
  @ApiProblems(IF_MATCH_PROBLEMS, ...ADMIN, BAD_ID, { 404: ['UNKNOWN_PROJECT', 'NOT_ASSIGNED'] })
  async unassignChecker(
    @CurrentActor() actor: Actor,
    @IfMatch() ifMatch: string | undefined,
    @Param('projectId') projectId: string,
    @Param('userId') userId: string,
    @Res({ passthrough: true }) response: Response,
  ) {
    await this.registry(
      actor,
      (at) => ({ type: 'UnassignChecker', actor, at, data: { projectId: id(projectId, 'projectId'), userId: id(userId, 'userId') } }),
      ifMatch,
    );
    return this.projectRead(projectId, response);
  }

  @Put('accreditations/:userId')
  @ApiOperation({ summary: "Grant or renew a person's accreditation until a date", description: 'Nobody acts on requests without an accreditation in force.' })
  @USER_ID
  @ApiBody({ type: GrantAccreditationBody })
  @ApiOkResponse({ type: AccreditationSchema, description: 'The accreditation' })
  @ApiProblems(...ADMIN, JSON_BODY_PROBLEMS, { 400: ['TEXT_TOO_LONG', 'INVALID_ID', 'INVALID_ACCREDITATION'] })
  async accredit(@CurrentActor() actor: Actor, @Param('userId') userId: string, @Body() raw: unknown) {
    requireAdministrator(actor);
    id(userId, 'userId');
    const expiresAt = text(body(raw), 'expiresAt', 64);
    const data = { userId: id(userId, 'userId'), expiresAt: rfc3339Utc(expiresAt) };
    await this.registry(actor, (at) => ({ type: 'GrantAccreditation', actor, at, data }));
    // The documented shape (AccreditationSchema): an expiry already past grants nothing.
    return { userId, accredited: Date.parse(data.expiresAt) > Date.now(), expiresAt: data.expiresAt };
  }

  @Delete('accreditations/:userId')
  @ApiOperation({ summary: "Revoke a person's accreditation now" })
  @USER_ID
  @ApiIfMatch('version')
  @ApiOkResponse({ type: AccreditationSchema, headers: VERSION_ETAG, description: 'No longer accredited' })
  @ApiProblems(IF_MATCH_PROBLEMS, ...ADMIN, BAD_ID, { 404: ['NOT_ACCREDITED'] })
  async revokeAccreditation(
    @CurrentActor() actor: Actor,
    @IfMatch() ifMatch: string | undefined,
    @Param('userId') userId: string,
    @Res({ passthrough: true }) response: Response,
  ) {
    const version = await this.registry(
      actor,
      (at) => ({ type: 'RevokeAccreditation', actor, at, data: { userId: id(userId, 'userId'), reason: 'revoked by an administrator' } }),
      ifMatch,
    );
    response.setHeader('ETag', `"${version}"`);
    return { userId, accredited: false };
  }

  /** With its ETag, the registry's version: the If-Match a revocation decided against this read sends. */
  @Get('accreditations/:userId')
  @ApiOperation({ summary: "A person's accreditation" })
  @USER_ID
  @ApiOkResponse({ type: AccreditationSchema, headers: VERSION_ETAG, description: 'The accreditation, if any' })
  @ApiProblems(...ADMIN_READ, BAD_ID)
  async accreditation(@CurrentActor() actor: Actor, @Param('userId') userId: string, @Res({ passthrough: true }) response: Response) {
    requireAdministrator(actor);
    const { state, version } = await this.deps.registry.load();
    const found = state.accreditations.get(id(userId, 'userId'));
    response.setHeader('ETag', `"${version}"`);
    return { userId, accredited: Boolean(found), ...(found ? { expiresAt: found.expiresAt } : {}) };
  }

  /** Revocation stops every download link at once; the released objects are then removed. */
  @Post('requests/:requestId/revoke')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Revoke an approved or released request',
    description: 'Every download link stops working at once; the released objects are then removed.',
  })
  @ApiParam({ name: 'requestId', format: 'uuid', description: 'A request id; anything else is 404 REQUEST_NOT_FOUND' })
  @ApiBody({ type: RevokeBody })
  @ApiOkResponse({ type: RevokedSchema, description: 'The request is revoked' })
  @ApiProblems(AUTH_PROBLEMS, STORE_PROBLEMS, JSON_BODY_PROBLEMS, {
    400: ['TEXT_TOO_LONG'],
    403: ['ROLE_REQUIRED'],
    404: ['REQUEST_NOT_FOUND'],
    409: ['WRONG_STATE'],
  })
  async revoke(@CurrentActor() actor: Actor, @Param('requestId') rid: string, @Body() raw: unknown) {
    const reason = text(body(raw), 'reason', LIMITS.reason);
    const result = await this.deps.requests.execute(requestId(rid), (_s, at) => ({ type: 'Revoke', actor, at, data: { reason } }));
    if (result.state.status === 'none') throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
    return { requestId: rid, status: result.state.status };
  }
}

// RFC 3339 only (Date.parse also takes "1", "March 7" or 30 February), and a UTC instant with a
// four-digit year: toISOString writes years past 9999, or before 0 after an offset, as "+010000-..."
// or "-000001-...", which is no date-time and would sort before every real one.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
function rfc3339Utc(value: string): string {
  const m = RFC3339.exec(value);
  const [year, month, day, hour, minute, second, , offsetHours, offsetMinutes] = (m ?? []).slice(1).map(Number);
  const valid =
    m !== null &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysIn(year, month) &&
    hour < 24 &&
    minute < 60 &&
    second < 60 &&
    !(offsetHours >= 24) &&
    !(offsetMinutes >= 60);
  const iso = valid ? new Date(Date.parse(value)).toISOString() : '';
  if (!/^\d{4}-/.test(iso)) throw new HttpProblem(400, 'INVALID_BODY', 'expiresAt must be an RFC 3339 date-time between the years 0000 and 9999');
  return iso;
}

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}
