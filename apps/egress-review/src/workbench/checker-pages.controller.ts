import { ApiExcludeController } from '@nestjs/swagger';
import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { refusalAccessEvent, type AccessRecorder } from '@airlock/access-log';
import { viewTag, type RequestView } from '@airlock/application';
import { RequestError, type Actor, type CommentVisibility, type ExistingRequest, type RequestFile, type VoteDecision } from '@airlock/domain';
import { HttpProblem, LIMITS, id as validId, toProblem } from '@airlock/http';
import type { ObjectStore } from '@airlock/storage';
import {
  PageError,
  WEB,
  WebErrorFilter,
  WebSignedIn,
  contentViewOf,
  diffGrids,
  gridPageOf,
  jsonForHtml,
  openContent,
  sandboxedContentHeaders,
  type Web,
  type WebRequest,
} from '@airlock/web';
import type { Response } from 'express';
import { CheckerReviews, type CheckerRequest } from '../checker-reviews';
import { buildReleaseRecord } from '@airlock/release-record';
import { ReleaseRecordController } from '../release-record.controller';
import { recordedFrom } from '../release-record.writer';
import { REVIEW_DEPS, type ReviewDeps } from '../reviews.controller';
import { QUEUE_TABS, age, humanSize, matchesSearch, myProgress, plainStatus, queueTab, submittedBefore, timeline, type QueueTab } from './request-page';
import { detectFileType, peekHead } from '@airlock/disclosure-rules';

export const CHECKER_PAGE_DEPS = Symbol('CHECKER_PAGE_DEPS');
export type CheckerPageDeps = { store: ObjectStore; accessLog: AccessRecorder };

const DECISIONS: readonly VoteDecision[] = ['approve', 'request_changes', 'reject'];
const DECISION_LABELS: Record<VoteDecision, string> = { approve: 'Approve', request_changes: 'Request changes', reject: 'Reject' };
// Refusals that would tell a stranger the request exists: a page answers 404 for them.
const HIDDEN = new Set(['NOT_ASSIGNED_CHECKER', 'PROJECT_MEMBER_REVIEW', 'SELF_REVIEW', 'NOT_ACCREDITED', 'ROLE_REQUIRED', 'INVALID_ID', 'UNKNOWN_FILE']);

type FormErrors = { href: string; text: string }[];

/**
 * The checkers' workbench (docs/adr/0011-web-pages.md): the queue, a request, a file with its
 * findings on the cells. Every read and every action goes through CheckerReviews, the code the
 * JSON API calls; this class only turns forms into its inputs and results into pages.
 */
// Pages, not API: kept out of the OpenAPI document (the JSON APIs they call are in it).
@ApiExcludeController()
@Controller('web')
@UseGuards(WebSignedIn)
@UseFilters(WebErrorFilter)
export class CheckerPagesController {
  private readonly reviews: CheckerReviews;

  constructor(
    @Inject(REVIEW_DEPS) private readonly deps: ReviewDeps,
    @Inject(CHECKER_PAGE_DEPS) private readonly files: CheckerPageDeps,
    @Inject(WEB) private readonly web: Web,
  ) {
    this.reviews = new CheckerReviews(deps);
  }

  @Get()
  home(@Res() response: Response) {
    response.redirect(303, `${this.web.basePath}/reviews`);
  }

  @Get('reviews')
  async queue(@Req() request: WebRequest, @Res() response: Response, @Query('tab') tabParam: unknown, @Query('q') searchParam: unknown) {
    const actor = request.actor as Actor;
    const tab: QueueTab = queueTab(tabParam);
    const search = typeof searchParam === 'string' ? searchParam.slice(0, 200) : '';
    const now = this.deps.clock();
    const all = await this.reviews.queue(actor, undefined, 500);
    const counts = Object.fromEntries(Object.entries(QUEUE_TABS).map(([key, t]) => [key, all.filter((i) => t.statuses.includes(i.status)).length]));
    const shown = all.filter((i) => QUEUE_TABS[tab].statuses.includes(i.status) && matchesSearch(i, search)).slice(0, 100);
    const items = await Promise.all(
      shown.map(async (item) => {
        // My progress comes from the request as I see it (blinded: only my own votes count).
        const progress =
          item.status === 'awaiting_review'
            ? await this.reviews
                .request(actor, item.requestId)
                .then(({ view }) => myProgress(view, actor.userId))
                .catch(() => undefined)
            : undefined;
        return { ...item, age: age(item.updatedAt, now), progress };
      }),
    );
    this.web.render(response, 'checker-queue.njk', {
      title: 'Review queue',
      tab,
      tabs: Object.entries(QUEUE_TABS).map(([key, t]) => ({ key, label: t.label, count: counts[key] ?? 0 })),
      search,
      items,
    });
  }

  @Get('reviews/:requestId')
  async request(@Req() request: WebRequest, @Res() response: Response, @Param('requestId') id: string, @Query('done') done: unknown) {
    const loaded = await this.load(request, id);
    this.renderRequest(response, request, loaded, {}, typeof done === 'string' ? done : undefined);
  }

  @Post('reviews/:requestId/files/:fileId/vote')
  async vote(@Req() request: WebRequest, @Res() response: Response, @Param('requestId') id: string, @Param('fileId') fileId: string) {
    const actor = request.actor as Actor;
    const form = (request.body ?? {}) as Record<string, unknown>;
    const errors: FormErrors = [];
    const decision = form['decision'] as VoteDecision;
    if (!DECISIONS.includes(decision)) errors.push({ href: `#decision-${fileId}`, text: 'Choose approve, request changes or reject' });
    const comment = textField(form, 'comment', LIMITS.comment, `#comment-${fileId}`, errors);
    const justification = textField(form, 'overrideJustification', LIMITS.justification, `#override-${fileId}`, errors);
    const visibility: CommentVisibility = form['visibility'] === 'public' ? 'public' : 'private';
    if (errors.length === 0) {
      const input = {
        fileId: validId(fileId, 'fileId'),
        decision,
        ...(comment ? { comment: { text: comment, visibility } } : {}),
        ...(justification ? { overrideJustification: justification } : {}),
      };
      const outcome = await this.act(() => this.reviews.vote(actor, id, input, etagField(form)), `#decision-${fileId}`, errors);
      if (outcome) return response.redirect(303, `${this.web.basePath}/reviews/${encodeURIComponent(id)}?done=vote#file-${fileId}`);
    }
    this.renderRequest(response, request, await this.load(request, id), { errors, fileId, form }, undefined, 422);
  }

  /**
   * A bulk action on a group: the same vote on every file of the group still waiting for mine, one
   * CastVote each (the same command as a single vote). Approving a file that failed the automated
   * check still needs its own justification, so such files are left for a vote of their own.
   */
  @Post('reviews/:requestId/groups/vote')
  async voteGroup(@Req() request: WebRequest, @Res() response: Response, @Param('requestId') id: string) {
    const actor = request.actor as Actor;
    const form = (request.body ?? {}) as Record<string, unknown>;
    const errors: FormErrors = [];
    const decision = form['decision'] as VoteDecision;
    const group = typeof form['group'] === 'string' ? form['group'] : '';
    const anchor = `#group-decision-${encodeURIComponent(group)}`;
    if (!DECISIONS.includes(decision)) errors.push({ href: anchor, text: 'Choose approve, request changes or reject for the group' });
    const comment = textField(form, 'comment', LIMITS.comment, anchor, errors);
    const visibility: CommentVisibility = form['visibility'] === 'public' ? 'public' : 'private';
    if (errors.length === 0) {
      const { view } = await this.load(request, id);
      const pending = view.files.filter(
        (f) => f.group === group && !f.blocked && !('votes' in f && f.votes.some((v) => v.checkerId === actor.userId && v.turn === view.turn && !v.carried)),
      );
      const needOwnVote = pending.filter((f) => decision === 'approve' && f.check?.verdict === 'fail');
      for (const f of pending.filter((p) => !needOwnVote.includes(p))) {
        const input = { fileId: f.fileId, decision, ...(comment ? { comment: { text: comment, visibility } } : {}) };
        if (!(await this.act(() => this.reviews.vote(actor, id, input), anchor, errors))) break;
      }
      for (const f of needOwnVote)
        errors.push({ href: `#decision-${f.fileId}`, text: `${f.name} failed the automated check: approve it on its own, with a justification` });
      if (errors.length === 0) return response.redirect(303, `${this.web.basePath}/reviews/${encodeURIComponent(id)}?done=vote`);
    }
    this.renderRequest(response, request, await this.load(request, id), { errors, form }, undefined, 422);
  }

  @Post('reviews/:requestId/comments')
  async comment(@Req() request: WebRequest, @Res() response: Response, @Param('requestId') id: string) {
    const actor = request.actor as Actor;
    const form = (request.body ?? {}) as Record<string, unknown>;
    const errors: FormErrors = [];
    const text = textField(form, 'text', LIMITS.comment, '#comment-text', errors);
    if (!text && errors.length === 0) errors.push({ href: '#comment-text', text: 'Enter a comment' });
    const visibility: CommentVisibility = form['visibility'] === 'public' ? 'public' : 'private';
    if (errors.length === 0 && text) {
      const outcome = await this.act(() => this.reviews.comment(actor, id, { comment: { text, visibility } }, etagField(form)), '#comment-text', errors);
      if (outcome) return response.redirect(303, `${this.web.basePath}/reviews/${encodeURIComponent(id)}?done=comment#comments`);
    }
    this.renderRequest(response, request, await this.load(request, id), { errors, form }, undefined, 422);
  }

  @Get('reviews/:requestId/files/:fileId')
  async file(
    @Req() request: WebRequest,
    @Res() response: Response,
    @Param('requestId') id: string,
    @Param('fileId') fileId: string,
    @Query('sheet') sheet: unknown,
  ) {
    const { state, file } = await this.viewable(request, id, fileId);
    const { view, envelopes } = await this.load(request, id);
    const shown = view.files.find((f) => f.fileId === fileId);
    await this.recordView(request, state, file, 'GET /web/reviews/:requestId/files/:fileId');
    const opened = await openContent(await this.files.store.getStream('quarantine', file.quarantineKey), file, { sheet });
    const changes =
      'grid' in opened ? await this.sinceLastTurn(request, state, submittedBefore(envelopes, state.turn), file, opened.grid.rows, sheet) : undefined;
    const base = `${this.web.basePath}/reviews/${encodeURIComponent(id)}/files/${encodeURIComponent(fileId)}`;
    const grid = opened.view.kind === 'table' && 'grid' in opened ? opened.grid : undefined;
    this.web.render(response, 'checker-file.njk', {
      title: shown?.name ?? 'File',
      request: view,
      file: shown,
      size: humanSize(file.size),
      kind: opened.view.kind,
      detected: opened.type,
      why: opened.view.kind === 'download' ? opened.view.why : undefined,
      text: 'text' in opened ? opened.text : undefined,
      textTruncated: 'truncated' in opened ? opened.truncated : false,
      json: 'json' in opened ? opened.json : false,
      grid: grid && gridPageOf(grid),
      changes,
      gridSrc: `${base}/grid.json`,
      contentUrl: `${base}/content`,
    });
  }

  /**
   * The release record as a page: what was released, with which hashes, who approved it and why,
   * the overrides with their justifications and the automated verdicts. Built by the same code as
   * the JSON record and the RO-Crate, whose downloads sit beside it.
   */
  @Get('reviews/:requestId/release')
  async releasePage(@Req() request: WebRequest, @Res() response: Response, @Param('requestId') id: string) {
    // The same reading as the request page: a stranger, a member or the author gets the audited 404.
    const { state, envelopes } = await this.hideStrangers(request, () => this.reviews.request(request.actor as Actor, id));
    if (state.status !== 'released' && state.status !== 'revoked')
      throw new PageError(404, 'This request has not been released, so it has no release record yet.');
    const record = buildReleaseRecord(state, recordedFrom(envelopes), { audience: 'tre' });
    const released = new Map(record.release.files.map((f) => [f.fileId, f]));
    this.web.render(response, 'checker-release.njk', {
      title: `Release record: ${record.request.title}`,
      record,
      files: record.files.map((f) => ({
        name: f.name,
        group: f.group,
        sha256: f.sha256,
        size: humanSize(f.size),
        verdict: f.check?.verdict ?? 'not checked',
        released: released.get(f.fileId),
        notReleasedBecause: f.notReleasedBecause,
        withdrawnAt: f.withdrawnAt,
      })),
    });
  }

  /** The release record, JSON or a Five Safes RO-Crate, from the JSON API's own handler, as a download. */
  @Get('reviews/:requestId/release-record')
  async releaseRecord(@Req() request: WebRequest, @Res() response: Response, @Param('requestId') id: string, @Query('format') format: unknown) {
    const chosen = format === 'ro-crate' ? 'ro-crate' : 'json';
    const body = await this.hideStrangers(request, () => new ReleaseRecordController(this.deps).releaseRecord(request.actor as Actor, id, chosen, response));
    response.set('Content-Disposition', `attachment; filename="release-record-${id.replace(/[^\w-]/g, '')}${chosen === 'ro-crate' ? '.crate' : ''}.json"`);
    response.status(200).send(typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  }

  /** The grid's data for the script: JSON, never script, with the same cells and findings as the page. */
  @Get('reviews/:requestId/files/:fileId/grid.json')
  async grid(
    @Req() request: WebRequest,
    @Res() response: Response,
    @Param('requestId') id: string,
    @Param('fileId') fileId: string,
    @Query('sheet') sheet: unknown,
  ) {
    const { state, file } = await this.viewable(request, id, fileId);
    await this.recordView(request, state, file, 'GET /web/reviews/:requestId/files/:fileId/grid.json');
    const opened = await openContent(await this.files.store.getStream('quarantine', file.quarantineKey), file, { sheet });
    if (!('grid' in opened)) throw new PageError(404, 'This file is not a table.');
    response.status(200).type('application/json').send(jsonForHtml(opened.grid));
  }

  /**
   * The frozen bytes, never as active content: raster images inline (for an <img>), everything
   * else as an attachment, both under a sandbox CSP with nosniff (content-view.ts).
   */
  @Get('reviews/:requestId/files/:fileId/content')
  async content(@Req() request: WebRequest, @Res() response: Response, @Param('requestId') id: string, @Param('fileId') fileId: string) {
    const { state, file } = await this.viewable(request, id, fileId);
    await this.recordView(request, state, file, 'GET /web/reviews/:requestId/files/:fileId/content');
    const stream = await peekHead(await this.files.store.getStream('quarantine', file.quarantineKey), 8192);
    const view = contentViewOf(detectFileType(stream.head, file.name));
    response.status(200).set({ ...sandboxedContentHeaders(view, file.name), 'Content-Length': String(file.size), 'X-Content-SHA256': file.sha256 });
    try {
      for await (const chunk of stream.body) if (!response.write(chunk)) await new Promise((resolve) => response.once('drain', resolve));
      response.end();
    } finally {
      await stream.close().catch(() => undefined);
    }
  }

  /**
   * What changed in this table since the researcher's previous turn: the same file name in the
   * last earlier turn (the same sheet of a workbook), compared cell by cell (cell-diff.ts). Reading
   * the earlier bytes is a view too.
   */
  private async sinceLastTurn(
    request: WebRequest,
    state: ExistingRequest,
    earlier: ReturnType<typeof submittedBefore>,
    file: RequestFile,
    rows: string[][],
    sheet: unknown,
  ) {
    const previous = earlier?.files.find((f) => f.name === file.name);
    if (!earlier || !previous?.quarantineKey) return earlier ? { turn: earlier.turn, status: 'new' as const } : undefined;
    if (previous.sha256 === file.sha256) return { turn: earlier.turn, status: 'unchanged' as const };
    await this.recordView(request, state, { ...previous, quarantineKey: previous.quarantineKey }, 'GET /web/reviews/:requestId/files/:fileId (previous turn)');
    const before = await openContent(await this.files.store.getStream('quarantine', previous.quarantineKey), { name: previous.name }, { sheet }).catch(
      () => undefined,
    );
    if (!before || !('grid' in before)) return { turn: earlier.turn, status: 'not-comparable' as const };
    const diff = diffGrids(before.grid.rows, rows, 500);
    const label = (row: number, column: number, grid: string[][]) =>
      `row ${row + 1} (${grid[row]?.[0] ?? ''}), column ${column + 1} (${grid[0]?.[column] ?? ''})`;
    return {
      turn: earlier.turn,
      status: 'changed' as const,
      matchedBy: diff.matchedBy,
      total: diff.total,
      truncated: diff.truncated,
      cells: diff.changes.map((c) => ({ ...c, where: label(c.row, c.column, c.kind === 'removed' ? before.grid.rows : rows) })),
    };
  }

  private viewable(request: WebRequest, id: string, fileId: string) {
    return this.hideStrangers(request, () => this.reviews.viewableFile(request.actor as Actor, id, fileId));
  }

  private load(request: WebRequest, id: string): Promise<CheckerRequest> {
    return this.hideStrangers(request, () => this.reviews.request(request.actor as Actor, id));
  }

  /**
   * Strangers get 404 for a request they may not see, not 403 (which would confirm it exists);
   * the refusal itself, with its real code, goes to the audit log as the JSON API's would (invariant 5).
   */
  private async hideStrangers<T>(request: WebRequest, load: () => Promise<T>): Promise<T> {
    try {
      return await load();
    } catch (error) {
      const code = error instanceof RequestError ? error.code : error instanceof HttpProblem ? error.code : undefined;
      if (code === 'REQUEST_NOT_FOUND' || (code && HIDDEN.has(code))) {
        const problem = toProblem(error);
        const refusal = refusalAccessEvent({
          status: problem.status,
          code: problem.code,
          method: request.method,
          route: (request.route as { path?: string } | undefined)?.path,
          path: request.path,
          actor: request.actor,
          clientAddress: request.ip,
          at: this.deps.clock().toISOString(),
        });
        if (refusal) await this.files.accessLog.record(refusal);
        throw new PageError(404, 'There is no such request or file, or you are not a checker of its project.');
      }
      throw error;
    }
  }

  /** Runs a command; a refusal a person can fix (a missing justification, a lost race) becomes a form error. */
  private async act(command: () => Promise<RequestView>, href: string, errors: FormErrors): Promise<RequestView | undefined> {
    try {
      return await command();
    } catch (error) {
      const problem = toProblem(error);
      if (problem.status >= 500 || problem.status === 404) throw error;
      errors.push({ href, text: plainRefusal(problem.code, problem.detail ?? 'This could not be done') });
      return undefined;
    }
  }

  private async recordView(
    request: WebRequest,
    state: { requestId: string; projectId: string },
    file: { fileId: string; name: string; sha256: string; quarantineKey: string },
    action: string,
  ) {
    const actor = request.actor as Actor;
    // Invariant 5: every view of a file is in the audit log, recorded before the first byte is read.
    await this.files.accessLog.record({
      kind: 'fileViewed',
      actor: { userId: actor.userId, roles: [...actor.roles], clientAddress: request.ip },
      action,
      outcome: 'allowed',
      requestId: state.requestId,
      projectId: state.projectId,
      file: { fileId: file.fileId, name: file.name, sha256: file.sha256, stage: 'quarantine', key: file.quarantineKey },
      at: this.deps.clock().toISOString(),
    });
  }

  private renderRequest(
    response: Response,
    request: WebRequest,
    loaded: CheckerRequest,
    failed: { errors?: FormErrors; fileId?: string; form?: Record<string, unknown> },
    done: string | undefined,
    status = 200,
  ) {
    const actor = request.actor as Actor;
    const { view, envelopes } = loaded;
    const events = timeline(envelopes, view, actor.userId);
    const lastAt = envelopes.at(-1)?.time;
    const decided = !['submitted', 'checking', 'awaiting_review'].includes(view.status);
    const canVote = view.actions.includes('review');
    const lastTurn = submittedBefore(envelopes, view.turn);
    const files = view.files.map((f) => {
      const before = lastTurn?.files.find((p) => p.name === f.name);
      const sinceLastTurn = !lastTurn
        ? undefined
        : !before
          ? 'New in this turn'
          : before.sha256 === f.sha256
            ? 'Unchanged since the last turn'
            : 'Changed since the last turn';
      const votes = 'votes' in f ? f.votes : [];
      const mine = votes.find((v) => v.checkerId === actor.userId && v.turn === view.turn && !v.carried);
      const decisions = new Set(votes.filter((v) => v.turn === view.turn).map((v) => v.decision));
      return {
        ...f,
        humanSize: humanSize(f.size),
        sinceLastTurn,
        mine,
        votes,
        consolidation: decided && votes.length > 0 ? (decisions.size > 1 ? 'Conflict' : 'Agreement') : undefined,
        canVote: canVote && !mine && !f.blocked,
        findingCount: f.check?.findings.length ?? 0,
      };
    });
    const removed = (lastTurn?.files ?? []).filter((p) => !view.files.some((f) => f.name === p.name)).map((p) => p.name);
    const groups = view.groups.map((g) => {
      const inGroup = files.filter((f) => f.group === g.group);
      return { ...g, files: inGroup, canBulkVote: inGroup.filter((f) => f.canVote).length > 1 };
    });
    const ungrouped = files.filter((f) => !view.groups.some((g) => g.group === f.group));
    if (ungrouped.length > 0) groups.push({ group: 'Other files', context: '', controls: '', files: ungrouped, canBulkVote: false });
    this.web.render(
      response,
      'checker-request.njk',
      {
        title: view.title,
        request: view,
        status: plainStatus(view, actor.userId, lastAt, this.deps.clock()),
        groups,
        timeline: events.reverse(),
        lastTurn: lastTurn?.turn,
        removed,
        etag: viewTag(view),
        decisions: DECISIONS.map((value) => ({ value, text: DECISION_LABELS[value] })),
        errorSummary: failed.errors && failed.errors.length > 0 ? failed.errors : undefined,
        failedFileId: failed.fileId,
        form: failed.form ?? {},
        done,
        decided,
      },
      status,
    );
  }
}

function textField(form: Record<string, unknown>, name: string, limit: number, href: string, errors: FormErrors): string | undefined {
  const value = form[name];
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (value.length > limit) {
    errors.push({ href, text: `Use at most ${limit} characters` });
    return undefined;
  }
  return value;
}

function etagField(form: Record<string, unknown>): string | undefined {
  const value = form['etag'];
  return typeof value === 'string' && /^"?v-[\w-]{1,64}"?$/.test(value) ? (value.startsWith('"') ? value : `"${value}"`) : undefined;
}

function plainRefusal(code: string, detail: string): string {
  switch (code) {
    case 'OVERRIDE_REQUIRED':
      return 'This file failed the automated disclosure check: to approve it, explain why the findings do not make it disclosive';
    case 'STALE_VERSION':
      return 'The request changed since you opened this page. Read it again, then vote';
    case 'DUPLICATE_VOTE':
      return 'You have already voted on this file in this turn';
    case 'FILE_NOT_SCANNED':
      return 'A file that was not scanned clean cannot be approved';
    case 'WRONG_STATE':
      return 'The request is not awaiting review any more';
    default:
      return detail;
  }
}
