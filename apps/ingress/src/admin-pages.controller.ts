import { ApiExcludeController } from '@nestjs/swagger';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { hasRole, type Actor } from '@airlock/domain';
import { id as validId, toProblem } from '@airlock/http';
import { PageError, WEB, WebErrorFilter, WebSignedIn, type Web, type WebRequest } from '@airlock/web';
import type { Response } from 'express';
import { INGRESS_DEPS } from './ingress.tokens';
import type { IngressDeps } from './requests.controller';

// The administrator's page (docs/adr/0011-web-pages.md): projects with their members, checkers and
// accreditations, and adding a member. It reads and changes the registry through RegistryHandler with
// the same command the admin API sends (AddMember), decided by the same domain rules (role, ids).

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
    const actor = administrator(request);
    const userId = typeof form['userId'] === 'string' ? form['userId'].trim() : '';
    try {
      const data = { projectId: validId(projectId, 'projectId'), userId: validId(userId, 'userId') };
      await this.deps.registry.execute((at) => ({ type: 'AddMember', actor, at, data }));
      response.redirect(303, `${this.web.basePath}/admin#project-${projectId}`);
    } catch (error) {
      const problem = toProblem(error);
      if (problem.status >= 500 || problem.status === 401) throw error;
      await this.render(request, response, { [`member-${projectId}`]: problem.detail ?? 'The member could not be added' }, problem.status === 404 ? 404 : 400);
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

function administrator(request: WebRequest): Actor {
  const actor = request.actor;
  if (!actor || !hasRole(actor, 'administrator')) throw new PageError(403, 'This page is for administrators.');
  return actor;
}
