import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { RequestError, hasRole, type Actor, type ApprovalPolicy, type RequestState, type VoteDecision } from '@airlock/domain';
import { AuthGuard, CurrentActor, HttpProblem } from '@airlock/http';
import { requestView, type RequestCommandHandler } from '@airlock/runtime';
import type { ReviewReadModel } from './review-read-model';

export const REVIEW_DEPS = Symbol('REVIEW_DEPS');
export type ReviewDeps = { requests: RequestCommandHandler; readModel: ReviewReadModel; policy: ApprovalPolicy };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES = ['draft', 'submitted', 'checking', 'awaiting_review', 'approved', 'released', 'rejected', 'blocked', 'failed'];
const DECISIONS: readonly VoteDecision[] = ['approve', 'reject'];

function requireChecker(actor: Actor): void {
  if (!hasRole(actor, 'output_checker')) throw new RequestError('ROLE_REQUIRED', 'This action needs the output_checker role', { role: 'output_checker' });
}

function optionalText(body: Record<string, unknown>, field: string, max: number): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max) throw new HttpProblem(400, 'INVALID_BODY', `${field} must be a string of at most ${max} characters`);
  return value;
}

function existing(state: RequestState) {
  if (state.status === 'none') throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
  return state;
}

/** The output checkers' API: the queue, a request with its automated findings, per-file votes. */
@Controller('reviews')
@UseGuards(AuthGuard)
export class ReviewsController {
  constructor(@Inject(REVIEW_DEPS) private readonly deps: ReviewDeps) {}

  @Get()
  async list(@CurrentActor() actor: Actor, @Query('status') status: string | undefined, @Query('limit') limit: string | undefined) {
    requireChecker(actor);
    if (status !== undefined && !STATUSES.includes(status)) throw new HttpProblem(400, 'INVALID_QUERY', `status must be one of ${STATUSES.join(', ')}`);
    const size = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > 500) throw new HttpProblem(400, 'INVALID_QUERY', 'limit must be 1-500');
    const items = await this.deps.readModel.list(status, size);
    // A checker never sees their own requests in the queue.
    return { items: items.filter((i) => i.authorId !== actor.userId) };
  }

  @Get(':requestId')
  async get(@CurrentActor() actor: Actor, @Param('requestId') id: string) {
    requireChecker(actor);
    if (!UUID.test(id)) throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
    const { state, version } = await this.deps.requests.load(id);
    const request = existing(state);
    if (request.authorId === actor.userId) throw new RequestError('SELF_REVIEW', 'The author of a request cannot review it');
    return requestView(request, version, actor, 'checker');
  }

  @Post(':requestId/files/:fileId/votes')
  @HttpCode(201)
  async vote(@CurrentActor() actor: Actor, @Param('requestId') id: string, @Param('fileId') fileId: string, @Body() body: unknown) {
    if (!UUID.test(id)) throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const decision = input['decision'] as VoteDecision;
    if (!DECISIONS.includes(decision)) throw new HttpProblem(400, 'INVALID_BODY', `decision must be one of ${DECISIONS.join(', ')}`);
    const data = {
      fileId, decision, policy: this.deps.policy,
      comment: optionalText(input, 'comment', 10_000),
      overrideJustification: optionalText(input, 'overrideJustification', 10_000),
    };
    const result = await this.deps.requests.execute(id, (_s, at) => ({ type: 'CastVote', actor, at, data }));
    return requestView(existing(result.state), result.version, actor, 'checker');
  }
}
