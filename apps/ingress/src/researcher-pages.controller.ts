import { ApiExcludeController } from '@nestjs/swagger';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { RequestError, type Actor, type ExistingRequest } from '@airlock/domain';
import { requestId, toProblem } from '@airlock/http';
import { PageError, WEB, WebErrorFilter, WebSignedIn, gridPageOf, jsonForHtml, openContent, readMultipart, type Web, type WebRequest } from '@airlock/web';
import type { Response } from 'express';
import { INGRESS_DEPS } from './ingress.tokens';
import { RequestsController, type IngressDeps } from './requests.controller';
import { parseFileName, parseKind } from './upload.service';

// The researcher's pages (docs/adr/0011-web-pages.md). Every action calls the JSON API's own
// handler methods (RequestsController) or, for the streamed upload, the same UploadService the
// API's upload calls, so there is one implementation of each rule.

const MAX_FILES_PER_FORM = 20;
// What checkers need to judge a group (issue 10): the population, how the counts were made, and
// how the output relates to earlier ones (the differencing risk); shown as questions under Context.
const GROUP_PROMPTS = {
  context: 'What the files show. Answer each of these, so the checkers can judge the risk of disclosure:',
  questions: [
    { id: 'population', text: 'Population: who the numbers describe, where and when (for example, adults admitted to hospital in Leeds, 2023 to 2025).' },
    { id: 'counts', text: 'How the counts were made: the unit counted (people, stays, prescriptions), the source and any linkage, filtering or weighting.' },
    {
      id: 'earlier',
      text: 'How this output relates to earlier ones: outputs released before from the same data, and whether they overlap or differ by a few people.',
    },
  ],
  controls: 'The disclosure controls you applied: for example, counts below 10 suppressed, counts rounded to the nearest 5, secondary suppression.',
};

type FormErrors = Record<string, string>;

/** A refusal the person can fix in the form (400 or 422): shown beside the form, not as an error page. */
function formError(error: unknown): { field: string; message: string } | undefined {
  const problem = toProblem(error);
  if (problem.status !== 400 && problem.status !== 422) return undefined;
  const field = typeof (problem as { field?: unknown }).field === 'string' ? String((problem as { field?: unknown }).field) : 'form';
  return { field, message: problem.detail ?? 'This could not be done' };
}

/** A request the person may not see looks like one that does not exist (no probing of ids). */
function notFoundIfNotTheirs(error: unknown): never {
  if (error instanceof RequestError && ['NOT_AUTHOR', 'REQUEST_NOT_FOUND'].includes(error.code))
    throw new PageError(404, 'There is no request at this address, or it is not yours.');
  if (toProblem(error).code === 'INVALID_ID') throw new PageError(404, 'There is no request at this address.');
  throw error;
}

// Pages, not API: kept out of the OpenAPI document (the JSON APIs they call are in it).
@ApiExcludeController()
@Controller('web')
@UseGuards(WebSignedIn)
@UseFilters(WebErrorFilter)
export class ResearcherPagesController {
  private readonly api: RequestsController;

  constructor(
    @Inject(INGRESS_DEPS) private readonly deps: IngressDeps,
    @Inject(WEB) private readonly web: Web,
  ) {
    this.api = new RequestsController(deps);
  }

  @Get()
  async home(@Req() request: WebRequest, @Res() response: Response) {
    const actor = actorOf(request);
    const mine = (await this.deps.authored?.of(actor.userId)) ?? [];
    this.web.render(response, 'requests-list.njk', {
      title: 'My requests',
      navigation: this.navigation(request, 'home'),
      requests: mine.map(({ state }) => ({
        requestId: state.requestId,
        title: state.title,
        projectId: state.projectId,
        status: state.status,
        createdAt: state.createdAt,
        files: state.files.length,
      })),
    });
  }

  @Get('requests/new')
  async newRequest(@Req() request: WebRequest, @Res() response: Response) {
    await this.renderNewRequest(request, response, {}, {});
  }

  @Post('requests')
  async create(@Req() request: WebRequest, @Res() response: Response, @Body() form: Record<string, unknown>) {
    const input = { projectId: form['projectId'], title: typeof form['title'] === 'string' ? form['title'].trim() : form['title'] };
    try {
      const view = await this.api.create(actorOf(request), input);
      response.redirect(303, `${this.web.basePath}/requests/${view.requestId}`);
    } catch (error) {
      const invalid = formError(error);
      if (!invalid && !(error instanceof RequestError && error.code === 'NOT_PROJECT_MEMBER')) throw error;
      const message = invalid?.message ?? 'You are not a member of this project';
      const field = invalid?.field === 'title' ? 'title' : 'projectId';
      await this.renderNewRequest(request, response, input, { [field]: message }, 400);
    }
  }

  @Get('requests/:requestId')
  async show(@Req() request: WebRequest, @Res() response: Response, @Param('requestId') id: string) {
    await this.renderRequest(request, response, id);
  }

  /**
   * One file with the automated findings on its cells, through the same grid as the checkers'
   * (libs/platform/web/src/grid): the recorded check once submitted, a preview of it on a draft
   * (findings-preview.ts), with an exception request per finding where the request allows one.
   */
  @Get('requests/:requestId/files/:fileId')
  async file(
    @Req() request: WebRequest,
    @Res() response: Response,
    @Param('requestId') id: string,
    @Param('fileId') fileId: string,
    @Query('sheet') sheet: unknown,
  ) {
    const { view, state, file } = await this.ownFile(request, id, fileId);
    const preview = this.previewer();
    const checked = await preview.checkOf(state, file);
    const shown = checked && 'check' in checked ? checked : undefined;
    const bytes = await preview.bytesOf(file);
    if (!bytes) throw new PageError(404, 'This file has no bytes to show.');
    const opened = await openContent(bytes, { name: file.name, check: shown?.check }, { sheet });
    const base = `${this.web.basePath}/requests/${encodeURIComponent(id)}/files/${encodeURIComponent(fileId)}`;
    const canAsk = view.actions.includes('request_exception') && !shown?.preview;
    this.web.render(response, 'request-file.njk', {
      title: file.name,
      navigation: this.navigation(request, 'home'),
      view,
      file: view.files.find((f) => f.fileId === fileId),
      check: shown?.check,
      preview: shown?.preview ?? false,
      tooLarge: checked !== undefined && 'tooLarge' in checked,
      kind: opened.view.kind,
      why: opened.view.kind === 'download' ? opened.view.why : undefined,
      text: 'text' in opened ? opened.text : undefined,
      grid: 'grid' in opened ? gridPageOf(opened.grid) : undefined,
      gridSrc: `${base}/grid.json`,
      exceptionAction: canAsk ? `${base}/exceptions` : undefined,
      exceptionVersion: view.version,
    });
  }

  /** The grid's data for the script: JSON, never script, with the same cells and findings as the page. */
  @Get('requests/:requestId/files/:fileId/grid.json')
  async grid(
    @Req() request: WebRequest,
    @Res() response: Response,
    @Param('requestId') id: string,
    @Param('fileId') fileId: string,
    @Query('sheet') sheet: unknown,
  ) {
    const { state, file } = await this.ownFile(request, id, fileId);
    const preview = this.previewer();
    const checked = await preview.checkOf(state, file);
    const shown = checked && 'check' in checked ? checked : undefined;
    const bytes = await preview.bytesOf(file);
    if (!bytes) throw new PageError(404, 'This file has no bytes to show.');
    const opened = await openContent(bytes, { name: file.name, check: shown?.check }, { sheet });
    if (!('grid' in opened)) throw new PageError(404, 'This file is not a table.');
    response.status(200).type('application/json').send(jsonForHtml(opened.grid));
  }

  @Get('requests/:requestId/groups/new')
  async groupForm(@Req() request: WebRequest, @Res() response: Response, @Param('requestId') id: string, @Query('group') group: unknown) {
    const view = await this.api.get(actorOf(request), id).catch(notFoundIfNotTheirs);
    const existing = typeof group === 'string' ? view.groups.find((g) => g.group === group) : undefined;
    this.renderGroupForm(response, request, view, { group: existing?.group ?? '', context: existing?.context ?? '', controls: existing?.controls ?? '' }, {});
  }

  @Post('requests/:requestId/groups')
  async defineGroup(@Req() request: WebRequest, @Res() response: Response, @Param('requestId') id: string, @Body() form: Record<string, unknown>) {
    const actor = actorOf(request);
    const values = { group: str(form['group']).trim(), context: str(form['context']).trim(), controls: str(form['controls']).trim() };
    try {
      await this.api.defineGroup(actor, versionOf(form), id, values.group, { context: values.context, controls: values.controls });
      response.redirect(303, `${this.web.basePath}/requests/${id}#groups`);
    } catch (error) {
      const invalid = formError(error);
      if (!invalid) return notFoundIfNotTheirs(error);
      const view = await this.api.get(actor, id).catch(notFoundIfNotTheirs);
      const field = ['context', 'controls'].includes(invalid.field) ? invalid.field : 'group';
      this.renderGroupForm(response, request, view, values, { [field]: invalid.message }, 400);
    }
  }

  /** Multipart, streamed: each file goes straight to UploadService (as the API's PUT), never buffered. */
  @Post('requests/:requestId/files')
  async upload(@Req() request: WebRequest, @Res() response: Response, @Param('requestId') id: string) {
    const actor = actorOf(request);
    let uploaded = 0;
    try {
      const person = await this.deps.registry.enrich(actor);
      const stream = requestId(id);
      await readMultipart(request, { csrfValid: (token) => this.web.csrfValid(request, token), maxFiles: MAX_FILES_PER_FORM }, async (file, fields) => {
        const target = { name: parseFileName(file.filename), group: fields['group'] || 'outputs', kind: parseKind(fields['kind'] || undefined) };
        await this.deps.uploads.upload(stream, person, target, file.stream);
        uploaded += 1;
      });
      if (uploaded === 0) return this.renderRequest(request, response, id, { files: 'Select at least one file' }, 400);
      response.redirect(303, `${this.web.basePath}/requests/${id}#files`);
    } catch (error) {
      const invalid = formError(error);
      const status = toProblem(error).status;
      if (!invalid && status !== 409 && status !== 413) return notFoundIfNotTheirs(error);
      const done = uploaded > 0 ? ` ${uploaded} file${uploaded === 1 ? ' was' : 's were'} added before it.` : '';
      await this.renderRequest(request, response, id, { files: `${invalid?.message ?? toProblem(error).detail ?? 'The upload failed'}.${done}` }, status);
    }
  }

  @Post('requests/:requestId/files/:fileId/remove')
  @HttpCode(303)
  async removeFile(
    @Req() request: WebRequest,
    @Res() response: Response,
    @Param('requestId') id: string,
    @Param('fileId') fileId: string,
    @Body() form: Record<string, unknown>,
  ) {
    await this.act(request, response, id, () => this.api.removeFile(actorOf(request), versionOf(form), id, fileId));
  }

  /** An exception to one automated finding, with the researcher's justification (the API's RequestException). */
  @Post('requests/:requestId/files/:fileId/exceptions')
  @HttpCode(303)
  async exception(
    @Req() request: WebRequest,
    @Res() response: Response,
    @Param('requestId') id: string,
    @Param('fileId') fileId: string,
    @Body() form: Record<string, unknown>,
  ) {
    const input = { rule: str(form['rule']), justification: str(form['justification']).trim() };
    await this.act(request, response, id, () => this.api.exception(actorOf(request), versionOf(form), id, fileId, input));
  }

  /**
   * A single-use, short-lived link to a released file, issued by the JSON API's own handler; the
   * page shows it once (it is not kept anywhere), and GET /downloads/<token> serves and uses it up.
   */
  @Post('requests/:requestId/files/:fileId/download-link')
  async downloadLink(
    @Req() request: WebRequest,
    @Res() response: Response,
    @Param('requestId') id: string,
    @Param('fileId') fileId: string,
    @Body() form: Record<string, unknown>,
  ) {
    let link: { path: string; expiresAt: string } | undefined;
    await this.act(
      request,
      response,
      id,
      async () => {
        link = await this.api.link(actorOf(request), versionOf(form), id, fileId);
      },
      async () => {
        if (link) await this.renderRequest(request, response, id, {}, 200, { fileId, path: link.path, expiresAt: link.expiresAt });
      },
    );
  }

  @Post('requests/:requestId/submit')
  @HttpCode(303)
  async submit(@Req() request: WebRequest, @Res() response: Response, @Param('requestId') id: string, @Body() form: Record<string, unknown>) {
    await this.act(request, response, id, () => this.api.submit(actorOf(request), versionOf(form), id));
  }

  @Post('requests/:requestId/withdraw')
  @HttpCode(303)
  async withdraw(@Req() request: WebRequest, @Res() response: Response, @Param('requestId') id: string, @Body() form: Record<string, unknown>) {
    await this.act(request, response, id, () => this.api.withdraw(actorOf(request), versionOf(form), id));
  }

  /** The author's own file: another person's request, or a file not in it, is a 404 (no probing of ids). */
  private async ownFile(request: WebRequest, id: string, fileId: string) {
    const view = await this.api.get(actorOf(request), id).catch(notFoundIfNotTheirs);
    const { state } = await this.deps.requests.load(requestId(id));
    const file = (state as ExistingRequest).files.find((f) => f.fileId === fileId);
    if (!file || !view.files.some((f) => f.fileId === fileId)) throw new PageError(404, 'There is no such file in this request.');
    return { view, state: state as ExistingRequest, file };
  }

  private previewer() {
    if (!this.deps.preview) throw new PageError(404, 'Files are not shown here.');
    return this.deps.preview;
  }

  /** A button's action: back to the request page, or the page with the refusal in words. */
  private async act(request: WebRequest, response: Response, id: string, action: () => Promise<unknown>, done?: () => Promise<void>) {
    try {
      await action();
      if (done) return await done();
      response.redirect(303, `${this.web.basePath}/requests/${id}`);
    } catch (error) {
      const problem = toProblem(error);
      if (![400, 409, 412, 422].includes(problem.status)) return notFoundIfNotTheirs(error);
      const message =
        problem.status === 412 ? 'The request changed since you opened this page. Check it and try again.' : (problem.detail ?? 'This could not be done');
      await this.renderRequest(request, response, id, { action: message }, problem.status);
    }
  }

  private async renderRequest(
    request: WebRequest,
    response: Response,
    id: string,
    errors: FormErrors = {},
    status = 200,
    link?: { fileId: string; path: string; expiresAt: string },
  ) {
    const view = await this.api.get(actorOf(request), id).catch(notFoundIfNotTheirs);
    const groups = view.groups.map((g) => ({ ...g, files: view.files.filter((f) => f.group === g.group) }));
    this.web.render(
      response,
      'request.njk',
      {
        title: view.title,
        navigation: this.navigation(request, 'home'),
        view,
        groups,
        ungrouped: view.files.filter((f) => !view.groups.some((g) => g.group === f.group)),
        can: Object.fromEntries(view.actions.map((a) => [a, true])),
        link: link ? { ...link, name: view.files.find((f) => f.fileId === link.fileId)?.name ?? 'the file' } : undefined,
        errors: Object.keys(errors).length > 0 ? errors : undefined,
      },
      status,
    );
  }

  private renderGroupForm(
    response: Response,
    request: WebRequest,
    view: { requestId: string; title: string; version?: number },
    values: Record<string, string>,
    errors: FormErrors,
    status = 200,
  ) {
    this.web.render(
      response,
      'group-form.njk',
      {
        title: 'Describe a group of files',
        navigation: this.navigation(request, 'home'),
        view,
        values,
        prompts: GROUP_PROMPTS,
        errors: Object.keys(errors).length > 0 ? errors : undefined,
      },
      status,
    );
  }

  private async renderNewRequest(request: WebRequest, response: Response, values: Record<string, unknown>, errors: FormErrors, status = 200) {
    const person = await this.deps.registry.enrich(actorOf(request));
    this.web.render(
      response,
      'request-new.njk',
      {
        title: 'Start a new request',
        navigation: this.navigation(request, 'new'),
        projects: person.projectIds ?? [],
        values,
        errors: Object.keys(errors).length > 0 ? errors : undefined,
      },
      status,
    );
  }

  private navigation(request: WebRequest, current: 'home' | 'new') {
    const base = this.web.basePath;
    return [
      { href: `${base}/`, text: 'My requests', active: current === 'home' },
      { href: `${base}/requests/new`, text: 'New request', active: current === 'new' },
      ...(request.actor?.roles.includes('administrator') ? [{ href: `${base}/admin`, text: 'Administration' }] : []),
    ];
  }
}

function actorOf(request: WebRequest): Actor {
  if (!request.actor) throw new PageError(401, 'Sign in to continue.');
  return request.actor;
}

const str = (value: unknown) => (typeof value === 'string' ? value : '');

/** The version the page showed, sent back as If-Match so a stale page cannot overwrite newer work. */
function versionOf(form: Record<string, unknown>): string | undefined {
  const value = form['version'];
  return typeof value === 'string' && /^\d{1,9}$/.test(value) ? value : undefined;
}
