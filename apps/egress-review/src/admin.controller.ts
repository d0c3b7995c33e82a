import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import { RegistryError, RequestError, hasRole, type Actor, type ProjectPolicy, type RegistryCommand } from '@airlock/domain';
import { AuthGuard, CurrentActor, HttpProblem, LIMITS, body, requestId, text } from '@airlock/http';
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

/** TRE administrators: projects, memberships, checker assignments, accreditation, policy, revocation. */
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
  async createProject(@CurrentActor() actor: Actor, @Body() raw: unknown) {
    const input = body(raw);
    const data = { projectId: id(text(input, 'projectId', LIMITS.projectId), 'projectId'), name: text(input, 'name', LIMITS.title), policy: policy(input['policy'], this.deps.defaultApprovals) };
    await this.registry(actor, (at) => ({ type: 'CreateProject', actor, at, data }));
    return this.project(actor, data.projectId);
  }

  @Get('projects/:projectId')
  async project(@CurrentActor() actor: Actor, @Param('projectId') projectId: string) {
    requireAdministrator(actor);
    const project = (await this.deps.registry.load()).state.projects[projectId];
    if (!project) throw new RegistryError('UNKNOWN_PROJECT', 'No such project', { projectId });
    return project;
  }

  @Put('projects/:projectId/policy')
  async changePolicy(@CurrentActor() actor: Actor, @Param('projectId') projectId: string, @Body() raw: unknown) {
    await this.registry(actor, (at) => ({ type: 'ChangeProjectPolicy', actor, at, data: { projectId, policy: policy(raw, this.deps.defaultApprovals) } }));
    return this.project(actor, projectId);
  }

  @Put('projects/:projectId/members/:userId')
  async addMember(@CurrentActor() actor: Actor, @Param('projectId') projectId: string, @Param('userId') userId: string) {
    await this.registry(actor, (at) => ({ type: 'AddMember', actor, at, data: { projectId, userId: id(userId, 'userId') } }));
    return this.project(actor, projectId);
  }

  @Delete('projects/:projectId/members/:userId')
  async removeMember(@CurrentActor() actor: Actor, @Param('projectId') projectId: string, @Param('userId') userId: string) {
    await this.registry(actor, (at) => ({ type: 'RemoveMember', actor, at, data: { projectId, userId } }));
    return this.project(actor, projectId);
  }

  @Put('projects/:projectId/checkers/:userId')
  async assignChecker(@CurrentActor() actor: Actor, @Param('projectId') projectId: string, @Param('userId') userId: string) {
    await this.registry(actor, (at) => ({ type: 'AssignChecker', actor, at, data: { projectId, userId: id(userId, 'userId') } }));
    return this.project(actor, projectId);
  }

  @Delete('projects/:projectId/checkers/:userId')
  async unassignChecker(@CurrentActor() actor: Actor, @Param('projectId') projectId: string, @Param('userId') userId: string) {
    await this.registry(actor, (at) => ({ type: 'UnassignChecker', actor, at, data: { projectId, userId } }));
    return this.project(actor, projectId);
  }

  @Put('accreditations/:userId')
  async accredit(@CurrentActor() actor: Actor, @Param('userId') userId: string, @Body() raw: unknown) {
    const expiresAt = text(body(raw), 'expiresAt', 64);
    if (Number.isNaN(Date.parse(expiresAt))) throw new HttpProblem(400, 'INVALID_BODY', 'expiresAt must be an RFC 3339 date-time');
    const data = { userId: id(userId, 'userId'), expiresAt: new Date(expiresAt).toISOString() };
    await this.registry(actor, (at) => ({ type: 'GrantAccreditation', actor, at, data }));
    return { userId, expiresAt: data.expiresAt };
  }

  @Delete('accreditations/:userId')
  async revokeAccreditation(@CurrentActor() actor: Actor, @Param('userId') userId: string) {
    await this.registry(actor, (at) => ({ type: 'RevokeAccreditation', actor, at, data: { userId, reason: 'revoked by an administrator' } }));
    return { userId, accredited: false };
  }

  @Get('accreditations/:userId')
  async accreditation(@CurrentActor() actor: Actor, @Param('userId') userId: string) {
    requireAdministrator(actor);
    const found = (await this.deps.registry.load()).state.accreditations[userId];
    return { userId, accredited: Boolean(found), ...(found ? { expiresAt: found.expiresAt } : {}) };
  }

  /** Revocation stops every download link at once; the released objects are then removed. */
  @Post('requests/:requestId/revoke')
  @HttpCode(200)
  async revoke(@CurrentActor() actor: Actor, @Param('requestId') rid: string, @Body() raw: unknown) {
    const reason = text(body(raw), 'reason', LIMITS.comment);
    const result = await this.deps.requests.execute(requestId(rid), (_s, at) => ({ type: 'Revoke', actor, at, data: { reason } }));
    if (result.state.status === 'none') throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
    return { requestId: rid, status: result.state.status };
  }
}
