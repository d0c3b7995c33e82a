import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiSchema,
  ApiTags,
} from '@nestjs/swagger';
import { RequestError, hasRole, type Actor, type CommentVisibility, type VoteDecision } from '@airlock/domain';
import {
  AUTH_PROBLEMS,
  ApiDocument,
  ApiIfMatch,
  ApiProblems,
  AuthGuard,
  COMMENT_VISIBILITIES,
  CurrentActor,
  HttpProblem,
  IF_MATCH_PROBLEMS,
  IfMatch,
  JSON_BODY_PROBLEMS,
  LIMITS,
  ID_SCHEMA,
  REQUEST_STATUSES,
  RequestViewSchema,
  STORE_PROBLEMS,
  VIEW_ETAG,
  VOTE_DECISIONS,
  body,
  etagFromBody,
  id as validId,
  optionalId,
  optionalText,
  text,
  visibility,
  type ProblemCodes,
} from '@airlock/http';
import { viewTag, type RegistryHandler, type RequestCommandHandler, type RequestView } from '@airlock/application';

import { CheckerReviews } from './checker-reviews';
import type { ReviewReadModel } from './review-read-model';

export const REVIEW_DEPS = Symbol('REVIEW_DEPS');
export type ReviewDeps = { requests: RequestCommandHandler; registry: RegistryHandler; readModel: ReviewReadModel; clock: () => Date };

const STATUSES = [
  'draft',
  'submitted',
  'checking',
  'awaiting_review',
  'changes_requested',
  'approved',
  'released',
  'rejected',
  'withdrawn',
  'blocked',
  'failed',
  'revoked',
];
const DECISIONS: readonly VoteDecision[] = ['approve', 'request_changes', 'reject'];

// OpenAPI: request and response schemas, with the limits the handlers enforce (request-input.ts).
const nonBlank = (maxLength: number, description?: string) => ({ minLength: 1, maxLength, pattern: '\\S', ...(description ? { description } : {}) });

@ApiSchema({ name: 'CastVote' })
export class VoteBody {
  @ApiProperty({ enum: VOTE_DECISIONS, enumName: 'VoteDecision' }) decision!: VoteDecision;
  @ApiPropertyOptional(nonBlank(LIMITS.comment)) comment?: string;
  @ApiPropertyOptional({ enum: COMMENT_VISIBILITIES, enumName: 'CommentVisibility', default: 'private', description: "The comment's visibility" })
  visibility?: CommentVisibility;
  @ApiPropertyOptional(nonBlank(LIMITS.justification, 'Required to approve a file whose automated verdict is fail')) overrideJustification?: string;
}

@ApiSchema({ name: 'CheckerComment' })
export class CheckerCommentBody {
  @ApiProperty(nonBlank(LIMITS.comment)) text!: string;
  @ApiPropertyOptional({ ...ID_SCHEMA, description: 'A file of the current turn the comment is about' }) fileId?: string;
  @ApiPropertyOptional({ enum: COMMENT_VISIBILITIES, enumName: 'CommentVisibility', default: 'private', description: 'Authors may only comment in public' })
  visibility?: CommentVisibility;
}

@ApiSchema({ name: 'ReviewSummary' })
export class ReviewSummarySchema {
  @ApiProperty({ format: 'uuid' }) requestId!: string;
  @ApiProperty() projectId!: string;
  @ApiProperty() authorId!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: ['export', 'import'], enumName: 'RequestDirection', description: 'export: outputs leaving the TRE; import: files coming into it' })
  direction!: string;
  @ApiProperty({ enum: REQUEST_STATUSES, enumName: 'RequestStatus' }) status!: string;
  @ApiProperty({ type: 'integer' }) turn!: number;
  @ApiProperty({ type: 'integer' }) fileCount!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Files per automated verdict', example: { pass: 2, fail: 1 } })
  verdicts!: Record<string, number>;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

@ApiSchema({ name: 'ReviewList' })
export class ReviewListSchema {
  @ApiProperty({ type: () => ReviewSummarySchema, isArray: true }) items!: ReviewSummarySchema[];
}

// An independent checker: the role, not the author, accredited, not a project member, assigned to the project.
const INDEPENDENT: ProblemCodes = { 403: ['ROLE_REQUIRED', 'SELF_REVIEW', 'NOT_ACCREDITED', 'PROJECT_MEMBER_REVIEW', 'NOT_ASSIGNED_CHECKER'] };
const REQUEST_ID = ApiParam({ name: 'requestId', format: 'uuid', description: 'A request id; anything else is 404 REQUEST_NOT_FOUND' });

/**
 * Blinded review: a checker's ETag is a digest of their own view (viewTag), never the stream's
 * version, which counts the other checkers' votes; the view and the queue leave the version out.
 */
function checkerETag(body: unknown): string | undefined {
  const view = body as Partial<RequestView> | null;
  return typeof view?.requestId === 'string' && Array.isArray(view.files) ? viewTag(view as RequestView) : undefined;
}

/** The output checkers' API: the queue, a request with its automated findings, per-file votes, comments. */
@ApiDocument({
  title: 'Airlock egress-review API',
  description:
    "The output checkers' and TRE administrators' API of Airlock, egress control for Trusted Research Environments. " +
    'Checkers (accredited, assigned to the project, never its author or a member) see the review queue and each request with its ' +
    'automated findings, vote per file and comment; votes stay blinded until the review is decided. Administrators manage projects, ' +
    'memberships, checker assignments, accreditation and approval policy, and revoke releases. ' +
    'Errors are `application/problem+json` with a stable `code`.',
  version: '1',
})
@ApiTags('reviews')
@Controller('reviews')
@UseGuards(AuthGuard)
@UseInterceptors(etagFromBody(checkerETag))
export class ReviewsController {
  private readonly reviews: CheckerReviews;

  constructor(@Inject(REVIEW_DEPS) deps: ReviewDeps) {
    this.reviews = new CheckerReviews(deps);
  }

  @Get()
  @ApiOperation({
    summary: 'The review queue',
    description: "Requests of the projects the caller checks, never their own nor their projects'; oldest change first.",
  })
  @ApiQuery({ name: 'status', required: false, enum: REQUEST_STATUSES, enumName: 'RequestStatus' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } })
  @ApiOkResponse({ type: ReviewListSchema, description: 'The queue' })
  @ApiProblems(AUTH_PROBLEMS, { 400: ['INVALID_QUERY'], 403: ['ROLE_REQUIRED', 'NOT_ACCREDITED'], 503: STORE_PROBLEMS[503] })
  async list(@CurrentActor() actor: Actor, @Query('status') status: string | undefined, @Query('limit') limit: string | undefined) {
    if (!hasRole(actor, 'output_checker')) throw new RequestError('ROLE_REQUIRED', 'This action needs the output_checker role', { role: 'output_checker' });
    if (status !== undefined && !STATUSES.includes(status)) throw new HttpProblem(400, 'INVALID_QUERY', `status must be one of ${STATUSES.join(', ')}`);
    const size = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > 500) throw new HttpProblem(400, 'INVALID_QUERY', 'limit must be 1-500');
    return { items: await this.reviews.queue(actor, status, size) };
  }

  @Get(':requestId')
  @ApiOperation({ summary: 'A request under review, with scan results, findings and the votes the caller may see' })
  @REQUEST_ID
  @ApiOkResponse({ type: RequestViewSchema, headers: VIEW_ETAG, description: 'The request, as a checker sees it (no version: see the ETag)' })
  @ApiProblems(AUTH_PROBLEMS, { 403: ['ROLE_REQUIRED', 'SELF_REVIEW', 'NOT_ASSIGNED_CHECKER'], 404: ['REQUEST_NOT_FOUND'], 503: STORE_PROBLEMS[503] })
  async get(@CurrentActor() actor: Actor, @Param('requestId') id: string) {
    return (await this.reviews.request(actor, id)).view;
  }

  @Post(':requestId/files/:fileId/votes')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Vote on a file of the current turn',
    description: "Once per checker and file in a turn. When the policy's number of reviews is in, the request is approved, returned for changes or rejected.",
  })
  @REQUEST_ID
  @ApiIfMatch('view')
  @ApiParam({ name: 'fileId', schema: ID_SCHEMA, description: 'A file of the current turn' })
  @ApiBody({ type: VoteBody })
  @ApiCreatedResponse({ type: RequestViewSchema, headers: VIEW_ETAG, description: 'The request after the vote' })
  @ApiProblems(IF_MATCH_PROBLEMS, AUTH_PROBLEMS, STORE_PROBLEMS, JSON_BODY_PROBLEMS, INDEPENDENT, {
    400: ['TEXT_TOO_LONG', 'INVALID_ID'],
    404: ['REQUEST_NOT_FOUND', 'UNKNOWN_FILE'],
    409: ['WRONG_STATE', 'DUPLICATE_VOTE'],
    422: ['FILE_NOT_SCANNED', 'OVERRIDE_REQUIRED'],
  })
  async vote(
    @CurrentActor() actor: Actor,
    @IfMatch() ifMatch: string | undefined,
    @Param('requestId') id: string,
    @Param('fileId') fileId: string,
    @Body() raw: unknown,
  ) {
    const input = body(raw);
    const decision = input['decision'] as VoteDecision;
    if (!DECISIONS.includes(decision)) throw new HttpProblem(400, 'INVALID_BODY', `decision must be one of ${DECISIONS.join(', ')}`);
    const commentText = optionalText(input, 'comment', LIMITS.comment);
    const overrideJustification = optionalText(input, 'overrideJustification', LIMITS.justification);
    const data = {
      fileId: validId(fileId, 'fileId'),
      decision,
      ...(commentText ? { comment: { text: commentText, visibility: visibility(input, 'private') } } : {}),
      ...(overrideJustification ? { overrideJustification } : {}),
    };
    return this.reviews.vote(actor, id, data, ifMatch);
  }

  @Post(':requestId/comments')
  @HttpCode(201)
  @ApiOperation({ summary: 'Comment on a request or one of its files', description: 'Private comments are seen by checkers only.' })
  @REQUEST_ID
  @ApiIfMatch('view')
  @ApiBody({ type: CheckerCommentBody })
  @ApiCreatedResponse({ type: RequestViewSchema, headers: VIEW_ETAG, description: 'The request with the comment' })
  @ApiProblems(IF_MATCH_PROBLEMS, AUTH_PROBLEMS, STORE_PROBLEMS, JSON_BODY_PROBLEMS, {
    400: ['TEXT_TOO_LONG', 'INVALID_COMMAND', 'INVALID_ID'],
    403: ['NOT_ACCREDITED', 'ROLE_REQUIRED', 'PROJECT_MEMBER_REVIEW', 'NOT_ASSIGNED_CHECKER'],
    404: ['REQUEST_NOT_FOUND', 'UNKNOWN_FILE'],
    409: ['WRONG_STATE'],
  })
  async comment(@CurrentActor() actor: Actor, @IfMatch() ifMatch: string | undefined, @Param('requestId') id: string, @Body() raw: unknown) {
    const input = body(raw);
    const fileId = optionalId(input, 'fileId');
    const data = { ...(fileId ? { fileId } : {}), comment: { text: text(input, 'text', LIMITS.comment), visibility: visibility(input, 'private') } };
    return this.reviews.comment(actor, id, data, ifMatch);
  }
}
