import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { RequestError, hasRole, type Actor, type RequestCommand, type RequestState, type VoteDecision } from '@airlock/domain';
import { AuthGuard, CurrentActor, HttpProblem, LIMITS, body, optionalText, requestId, text, visibility } from '@airlock/http';
import { requestView, type RegistryHandler, type RequestCommandHandler } from '@airlock/runtime';

import type { ReviewReadModel } from './review-read-model';

export const REVIEW_DEPS = Symbol('REVIEW_DEPS');
export type ReviewDeps = { requests: RequestCommandHandler; registry: RegistryHandler; readModel: ReviewReadModel; clock: () => Date };

const STATUSES = ['draft', 'submitted', 'checking', 'awaiting_review', 'changes_requested', 'approved', 'released', 'rejected', 'withdrawn', 'blocked', 'failed', 'revoked'];
const DECISIONS: readonly VoteDecision[] = ['approve', 'request_changes', 'reject'];

function requireChecker(actor: Actor): void {
  if (!hasRole(actor, 'output_checker')) throw new RequestError('ROLE_REQUIRED', 'This action needs the output_checker role', { role: 'output_checker' });
}

function existing(state: RequestState) {
  if (state.status === 'none') throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
  return state;
}

/** The output checkers' API: the queue, a request with its automated findings, per-file votes, comments. */
@Controller('reviews')
@UseGuards(AuthGuard)
export class ReviewsController {
  constructor(@Inject(REVIEW_DEPS) private readonly deps: ReviewDeps) {}

  private async run(id: string, token: Actor, build: (person: Actor, at: string) => RequestCommand) {
    const person = await this.deps.registry.enrich(token);
    const result = await this.deps.requests.execute(requestId(id), (_s, at) => build(person, at));
    return requestView(existing(result.state), result.version, person, 'checker', this.deps.clock().toISOString());
  }

  @Get()
  async list(@CurrentActor() actor: Actor, @Query('status') status: string | undefined, @Query('limit') limit: string | undefined) {
    requireChecker(actor);
    if (status !== undefined && !STATUSES.includes(status)) throw new HttpProblem(400, 'INVALID_QUERY', `status must be one of ${STATUSES.join(', ')}`);
    const size = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > 500) throw new HttpProblem(400, 'INVALID_QUERY', 'limit must be 1-500');
    const person = await this.deps.registry.enrich(actor);
    // A checker sees the requests of the projects they check, never their own or their projects'.
    const items = await this.deps.readModel.list(status, size, person.checksProjectIds ?? []);
    return { items: items.filter((i) => i.authorId !== actor.userId && !(person.projectIds ?? []).includes(i.projectId)) };
  }

  @Get(':requestId')
  async get(@CurrentActor() actor: Actor, @Param('requestId') id: string) {
    requireChecker(actor);
    const person = await this.deps.registry.enrich(actor);
    const { state, version } = await this.deps.requests.load(requestId(id));
    const request = existing(state);
    const at = this.deps.clock().toISOString();
    if (request.authorId === actor.userId) throw new RequestError('SELF_REVIEW', 'The author of a request cannot review it');
    if (!requestView(request, version, person, 'checker', at).actions.includes('view')) {
      throw new RequestError('NOT_ASSIGNED_CHECKER', 'You are not an independent, accredited checker of this project');
    }
    return requestView(request, version, person, 'checker', at);
  }

  @Post(':requestId/files/:fileId/votes')
  @HttpCode(201)
  async vote(@CurrentActor() actor: Actor, @Param('requestId') id: string, @Param('fileId') fileId: string, @Body() raw: unknown) {
    const input = body(raw);
    const decision = input['decision'] as VoteDecision;
    if (!DECISIONS.includes(decision)) throw new HttpProblem(400, 'INVALID_BODY', `decision must be one of ${DECISIONS.join(', ')}`);
    const commentText = optionalText(input, 'comment', LIMITS.comment);
    const overrideJustification = optionalText(input, 'overrideJustification', LIMITS.justification);
    const data = {
      fileId, decision,
      ...(commentText ? { comment: { text: commentText, visibility: visibility(input, 'private') } } : {}),
      ...(overrideJustification ? { overrideJustification } : {}),
    };
    return this.run(id, actor, (person, at) => ({ type: 'CastVote', actor: person, at, data }));
  }

  @Post(':requestId/comments')
  @HttpCode(201)
  async comment(@CurrentActor() actor: Actor, @Param('requestId') id: string, @Body() raw: unknown) {
    const input = body(raw);
    const fileId = optionalText(input, 'fileId', 64);
    const data = { ...(fileId ? { fileId } : {}), comment: { text: text(input, 'text', LIMITS.comment), visibility: visibility(input, 'private') } };
    return this.run(id, actor, (person, at) => ({ type: 'AddComment', actor: person, at, data }));
  }
}
