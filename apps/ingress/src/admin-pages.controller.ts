import { ApiExcludeController } from '@nestjs/swagger';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { hasRole, type Actor, type RegistryCommand } from '@airlock/domain';
import { id as validId, toProblem } from '@airlock/http';
import { PageError, WEB, WebErrorFilter, WebSignedIn, type Web, type WebRequest } from '@airlock/web';
import type { Response } from 'express';
import { endOfDay } from './accreditation-day';
import { INGRESS_DEPS } from './ingress.tokens';
import type { IngressDeps } from './requests.controller';

// The administrator's page (docs/adr/0011-web-pages.md): projects with their members, checkers and
// accreditations; adding and removing members and checkers, and setting an accreditation's expiry. It
// reads and changes the registry through RegistryHandler with the same commands the admin API sends
// (AddMember, RemoveMember, AssignChecker, UnassignChecker, GrantAccreditation), decided by the same
// domain rules (role, ids, a member never checks its own project).

// Pages, not API: kept out of the OpenAPI document (the JSON APIs they call are in it).
@ApiExcludeController()
@Controller('web/admin')
@UseGuards(WebSignedIn)
@UseFilters(WebErrorFilter)
export class AdminPagesController {
  constructor(
    @Inject(INGRESS_DEPS) private readonly deps: IngressDeps,
    @Inject(WEB) private readonly web: Web,
  ) {}

  @Get()
  async projects(@Req() request: WebRequest, @Res() response: Response) {
    await this.render(request, response, {});
  }

  @Post('projects/:projectId/members')
  @HttpCode(303)
  async addMember(@Req() request: WebRequest, @Res() response: Response, @Param('projectId') projectId: string, @Body() form: Record<string, unknown>) {
    await this.change(request, response, projectId, `member-${projectId}`, 'The member could not be added', (actor, at) => ({
      type: 'AddMember',
      actor,
      at,
      data: { projectId: validId(projectId, 'projectId'), userId: validId(userField(form), 'userId') },
    }));
  }

  @Post('projects/:projectId/members/:userId/remove')
  @HttpCode(303)
  async removeMember(@Req() request: WebRequest, @Res() response: Response, @Param('projectId') projectId: string, @Param('userId') userId: string) {
    await this.change(request, response, projectId, `member-${projectId}`, 'The member could not be removed', (actor, at) => ({
      type: 'RemoveMember',
      actor,
      at,
      data: { projectId: validId(projectId, 'projectId'), userId: validId(userId, 'userId') },
    }));
  }

  @Post('projects/:projectId/checkers')
  @HttpCode(303)
  async addChecker(@Req() request: WebRequest, @Res() response: Response, @Param('projectId') projectId: string, @Body() form: Record<string, unknown>) {
    await this.change(request, response, projectId, `checker-${projectId}`, 'The checker could not be added', (actor, at) => ({
      type: 'AssignChecker',
      actor,
      at,
      data: { projectId: validId(projectId, 'projectId'), userId: validId(userField(form), 'userId') },
    }));
  }

  @Post('projects/:projectId/checkers/:userId/remove')
  @HttpCode(303)
  async removeChecker(@Req() request: WebRequest, @Res() response: Response, @Param('projectId') projectId: string, @Param('userId') userId: string) {
    await this.change(request, response, projectId, `checker-${projectId}`, 'The checker could not be removed', (actor, at) => ({
      type: 'UnassignChecker',
      actor,
      at,
      data: { projectId: validId(projectId, 'projectId'), userId: validId(userId, 'userId') },
    }));
  }

  /** Accreditation until the end of the day chosen (UTC), as the admin API's GrantAccreditation. */
  @Post('projects/:projectId/accreditations/:userId')
  @HttpCode(303)
  async accredit(
    @Req() request: WebRequest,
    @Res() response: Response,
    @Param('projectId') projectId: string,
    @Param('userId') userId: string,
    @Body() form: Record<string, unknown>,
  ) {
    const field = `accredit-${projectId}-${userId}`;
    await this.change(request, response, projectId, field, 'The accreditation could not be set', (actor, at) => ({
      type: 'GrantAccreditation',
      actor,
      at,
      data: { userId: validId(userId, 'userId'), expiresAt: endOfDay(form['expiresOn'], at) },
    }));
  }

  /** One registry command from a form: back to the project, or the page with the refusal beside the field. */
  private async change(
    request: WebRequest,
    response: Response,
    projectId: string,
    field: string,
    fallback: string,
    build: (actor: Actor, at: string) => RegistryCommand,
  ) {
    const actor = administrator(request);
    try {
      await this.deps.registry.execute((at) => build(actor, at));
      response.redirect(303, `${this.web.basePath}/admin#project-${encodeURIComponent(projectId)}`);
    } catch (error) {
      const problem = toProblem(error);
      if (problem.status >= 500 || problem.status === 401) throw error;
      await this.render(request, response, { [field]: problem.detail ?? fallback }, problem.status === 404 ? 404 : 400);
    }
  }

  private async render(request: WebRequest, response: Response, errors: Record<string, string>, status = 200) {
    administrator(request);
    const { state } = await this.deps.registry.load();
    const now = this.deps.clock().toISOString();
    const accreditation = (userId: string) => {
      const expiresAt = state.accreditations.get(userId)?.expiresAt;
      return { userId, expiresAt, current: expiresAt !== undefined && expiresAt > now };
    };
    const projects = [...state.projects.values()]
      .sort((a, b) => a.projectId.localeCompare(b.projectId))
      .map((p) => ({ projectId: p.projectId, name: p.name, members: p.members.map(accreditation), checkers: p.checkers.map(accreditation) }));
    this.web.render(
      response,
      'admin-projects.njk',
      {
        title: 'Projects and members',
        navigation: [
          { href: `${this.web.basePath}/`, text: 'My requests' },
          { href: `${this.web.basePath}/admin`, text: 'Administration', active: true },
        ],
        projects,
        errors: Object.keys(errors).length > 0 ? errors : undefined,
      },
      status,
    );
  }
}

const userField = (form: Record<string, unknown>) => (typeof form['userId'] === 'string' ? form['userId'].trim() : '');

function administrator(request: WebRequest): Actor {
  const actor = request.actor;
  if (!actor || !hasRole(actor, 'administrator')) throw new PageError(403, 'This page is for administrators.');
  return actor;
}
