import { randomUUID } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
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
import { REQUEST_DIRECTIONS, RequestError, isAccredited, type Actor, type RequestCommand, type RequestDirection, type RequestState } from '@airlock/domain';
import {
  AUTH_PROBLEMS,
  ApiDocument,
  ApiIfMatch,
  ApiProblems,
  IF_MATCH_PROBLEMS,
  AuthGuard,
  CurrentActor,
  HttpProblem,
  FILE_KINDS,
  FileViewSchema,
  IfMatch,
  JSON_BODY_PROBLEMS,
  LIMITS,
  ID_SCHEMA,
  RequestViewSchema,
  STORE_PROBLEMS,
  VERSION_ETAG,
  body,
  etagFromBody,
  id as validId,
  optionalId,
  parseIfMatch,
  requestId,
  text,
  type ProblemCodes,
} from '@airlock/http';
import { toDomainEvent } from '@airlock/contracts';
import { requestView, type RegistryHandler, type RequestCommandHandler, type CommandResult } from '@airlock/application';
import { RELEASE_RECORD_FORMATS, parseRecordFormat, releaseRecordDocument } from '@airlock/release-record';
import type { ObjectStore } from '@airlock/storage';
import type { Request, Response } from 'express';
import type { FindingsPreview } from './findings-preview';
import { INGRESS_DEPS } from './ingress.tokens';

import type { ResumableUploadService } from './resumable-upload.service';
import type { AuthoredRequests } from './authored-requests';
import type { SubmitService } from './submit.service';
import { UploadService, parseFileName, parseKind } from './upload.service';

export type IngressDeps = {
  requests: RequestCommandHandler;
  registry: RegistryHandler;
  store: ObjectStore;
  uploads: UploadService;
  /** Resumable uploads in parts; absent where the object store cannot take parts (uploads.controller.ts answers 501). */
  resumable?: ResumableUploadService;
  submits: SubmitService;
  links: { ttlSeconds: number; publicUrl: string };
  clock: () => Date;
  /** "My requests" for the pages (absent where no page is served). */
  authored?: AuthoredRequests;
  /** The findings on a file's cells for the researcher's file page (absent where no page is served). */
  preview?: FindingsPreview;
};

function parseDirection(value: unknown): RequestDirection {
  if (value === undefined) return 'export';
  if (typeof value === 'string' && (REQUEST_DIRECTIONS as readonly string[]).includes(value)) return value as RequestDirection;
  throw new HttpProblem(400, 'INVALID_DIRECTION', `direction must be one of ${REQUEST_DIRECTIONS.join(', ')}`);
}

function existing(state: RequestState) {
  if (state.status === 'none') throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
  return state;
}

// OpenAPI: request and response schemas, with the limits the handlers enforce (request-input.ts).
const nonBlank = (maxLength: number, description?: string) => ({ minLength: 1, maxLength, pattern: '\\S', ...(description ? { description } : {}) });

@ApiSchema({ name: 'CreateRequest' })
export class CreateRequestBody {
  @ApiProperty({ ...ID_SCHEMA, description: 'A project you are a member of' }) projectId!: string;
  @ApiProperty(nonBlank(LIMITS.title)) title!: string;
  @ApiPropertyOptional({
    enum: REQUEST_DIRECTIONS,
    default: 'export',
    description: "export: outputs leave the TRE (released bucket). import: files come into the TRE under the project's import policy (imported bucket).",
  })
  direction?: RequestDirection;
}

@ApiSchema({ name: 'DefineGroup' })
export class DefineGroupBody {
  @ApiProperty(nonBlank(LIMITS.context, 'What the files show and how they were produced')) context!: string;
  @ApiProperty(nonBlank(LIMITS.controls, 'The disclosure controls applied (e.g. counts below 10 suppressed)')) controls!: string;
}

@ApiSchema({ name: 'RequestException' })
export class ExceptionBody {
  @ApiProperty(nonBlank(LIMITS.rule, "The rule of one of the file's findings, e.g. threshold")) rule!: string;
  @ApiProperty(nonBlank(LIMITS.justification)) justification!: string;
}

@ApiSchema({ name: 'ResearcherComment', description: "A researcher's comments are always public." })
export class ResearcherCommentBody {
  @ApiProperty(nonBlank(LIMITS.comment)) text!: string;
  @ApiPropertyOptional({ ...ID_SCHEMA, description: 'A file of the current turn the comment is about' }) fileId?: string;
}

@ApiSchema({ name: 'UploadedFile' })
export class UploadResultSchema {
  @ApiProperty({ type: () => FileViewSchema }) file!: FileViewSchema;
  @ApiProperty({ type: () => RequestViewSchema }) request!: RequestViewSchema;
}

@ApiSchema({ name: 'DownloadLink', description: 'A single-use link; follow it without a token.' })
export class DownloadLinkSchema {
  @ApiProperty({ format: 'uri' }) url!: string;
  @ApiProperty({ example: '/downloads/<requestId>.<linkId>' }) path!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

// Who may act on a request they wrote: the author, while accredited (safe people).
const AUTHOR: ProblemCodes = { 403: ['NOT_AUTHOR', 'NOT_ACCREDITED'], 404: ['REQUEST_NOT_FOUND'] };
const ON_REQUEST: ProblemCodes[] = [AUTH_PROBLEMS, STORE_PROBLEMS, AUTHOR];
const REQUEST_ID = ApiParam({ name: 'requestId', format: 'uuid', description: 'A request id; anything else is 404 REQUEST_NOT_FOUND' });
const FILE_ID = ApiParam({ name: 'fileId', schema: ID_SCHEMA, description: 'A file of the current turn' });
const BAD_ID: ProblemCodes = { 400: ['INVALID_ID'] };

/** A request view's version, also inside an upload's answer. */
function researcherETag(body: unknown): string | undefined {
  const view = (body as { request?: unknown } | null)?.request ?? body;
  const { requestId: id, version } = (view ?? {}) as { requestId?: unknown; version?: unknown };
  return typeof id === 'string' && typeof version === 'number' ? String(version) : undefined;
}

/** The researcher's API: requests, groups, streamed files, submit, withdraw, exceptions, comments, download links. */
@ApiDocument({
  title: 'Airlock ingress API',
  description:
    "The researcher's API of Airlock, egress control for Trusted Research Environments: create an egress request, " +
    'describe its groups of files, stream files in, submit (the bytes are frozen by SHA-256 and checked), withdraw, ask for ' +
    'exceptions, comment, and download released files through single-use links. Errors are `application/problem+json` with a stable `code`.',
  version: '1',
})
@ApiTags('requests')
@Controller('requests')
@UseGuards(AuthGuard)
// The researcher's view shows the stream's version; it is also the ETag to send back as If-Match.
@UseInterceptors(etagFromBody(researcherETag))
export class RequestsController {
  constructor(@Inject(INGRESS_DEPS) private readonly deps: IngressDeps) {}

  private view(result: Pick<CommandResult, 'state' | 'version'>, actor: Actor) {
    return requestView(existing(result.state), result.version, actor, 'researcher', this.deps.clock().toISOString());
  }

  /** `ifMatch`: the If-Match header; with it the command is decided against that version or refused 412. */
  private async run(id: string, token: Actor, ifMatch: string | undefined, build: (person: Actor, at: string) => RequestCommand) {
    const expectedVersion = parseIfMatch(ifMatch);
    const person = await this.deps.registry.enrich(token);
    const result = await this.deps.requests.execute(requestId(id), (_s, at) => build(person, at), { expectedVersion });
    return this.view(result, person);
  }

  @Post()
  @ApiOperation({ summary: 'Create a draft request', description: 'Needs the researcher role, an accreditation in force and membership of the project.' })
  @ApiBody({ type: CreateRequestBody })
  @ApiCreatedResponse({ type: RequestViewSchema, headers: VERSION_ETAG, description: 'The request, with the actions the caller may take now' })
  @ApiProblems(AUTH_PROBLEMS, STORE_PROBLEMS, JSON_BODY_PROBLEMS, {
    400: ['TEXT_TOO_LONG', 'INVALID_ID', 'INVALID_DIRECTION'],
    403: ['ROLE_REQUIRED', 'NOT_ACCREDITED', 'NOT_PROJECT_MEMBER'],
  })
  async create(@CurrentActor() actor: Actor, @Body() raw: unknown) {
    const input = body(raw);
    const direction = parseDirection(input['direction']);
    const data = { requestId: randomUUID(), projectId: validId(input['projectId'], 'projectId'), title: text(input, 'title', LIMITS.title), direction };
    return this.run(data.requestId, actor, undefined, (person, at) => ({ type: 'CreateRequest', actor: person, at, data }));
  }

  @Get(':requestId')
  @ApiOperation({ summary: 'A request, as its author sees it', description: 'Public comments only; checkers stay anonymous.' })
  @REQUEST_ID
  @ApiOkResponse({ type: RequestViewSchema, headers: VERSION_ETAG, description: 'The request, with the actions the caller may take now' })
  @ApiProblems(AUTH_PROBLEMS, { 403: AUTHOR[403], 404: AUTHOR[404], 503: STORE_PROBLEMS[503] })
  async get(@CurrentActor() actor: Actor, @Param('requestId') id: string) {
    const loaded = await this.deps.requests.load(requestId(id));
    if (existing(loaded.state).authorId !== actor.userId) throw new RequestError('NOT_AUTHOR', 'Only the author can see this request here');
    const person = await this.deps.registry.enrich(actor);
    // Safe people: a lapsed accreditation closes the request to its author too (no `view` action).
    if (!isAccredited(person, this.deps.clock().toISOString())) throw new RequestError('NOT_ACCREDITED', 'Your accreditation is missing or has expired');
    return this.view(loaded, person);
  }

  @Put(':requestId/groups/:group')
  @ApiOperation({
    summary: 'Define or redefine a group of files with its context and controls',
    description: `In draft or changes_requested. At most ${LIMITS.groupsPerRequest} groups per request (400 TOO_MANY_GROUPS), and ${LIMITS.groupTextPerRequest} characters of context and controls over all its groups (400 TEXT_TOO_LONG, field groups).`,
  })
  @REQUEST_ID
  @ApiIfMatch('version')
  @ApiParam({ name: 'group', schema: ID_SCHEMA, example: 'outputs' })
  @ApiBody({ type: DefineGroupBody })
  @ApiOkResponse({ type: RequestViewSchema, headers: VERSION_ETAG, description: 'The request, with the actions the caller may take now' })
  @ApiProblems(IF_MATCH_PROBLEMS, ...ON_REQUEST, JSON_BODY_PROBLEMS, { 400: ['TEXT_TOO_LONG', 'INVALID_ID', 'TOO_MANY_GROUPS'], 409: ['WRONG_STATE'] })
  async defineGroup(
    @CurrentActor() actor: Actor,
    @IfMatch() ifMatch: string | undefined,
    @Param('requestId') id: string,
    @Param('group') group: string,
    @Body() raw: unknown,
  ) {
    const input = body(raw);
    const data = { group: validId(group, 'group'), context: text(input, 'context', LIMITS.context), controls: text(input, 'controls', LIMITS.controls) };
    return this.run(id, actor, ifMatch, (person, at) => ({ type: 'DefineGroup', actor: person, at, data }));
  }

  @Put(':requestId/files/:name')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Stream a file into the draft',
    description:
      'The raw body is the file, streamed and hashed (SHA-256) on the way, never parsed. The group must be defined first. ' +
      'Uploads are limited to AIRLOCK_MAX_UPLOAD_BYTES (10 GiB by default); a Content-Length above it is refused before a byte is read. ' +
      'Any Content-Type is taken as is. The name is stored in Unicode NFC (a name differing only in normalisation is the same name); ' +
      'names with invisible, bidirectional-control or format characters (U+202E, U+200B, U+FEFF …) are refused. ' +
      `A request holds at most ${LIMITS.filesPerRequest} files (400 TOO_MANY_FILES). ` +
      "On an import, the name and then the stored bytes must show a kind the project's import policy allows (code, packages, data, documents); " +
      'anything else, executables included, is refused 415 FILE_KIND_NOT_ALLOWED before review.',
  })
  @REQUEST_ID
  @ApiIfMatch('version')
  @ApiParam({
    name: 'name',
    description: "The file's name: no slashes or control characters, not '.' or '..'",
    schema: { type: 'string', minLength: 1, maxLength: LIMITS.fileName, pattern: '^[^/\\\\\\x00-\\x1f\\x7f]+$' },
  })
  @ApiQuery({ name: 'kind', required: false, enum: FILE_KINDS, description: 'Default output; supporting files are never released' })
  @ApiQuery({
    name: 'group',
    required: false,
    schema: { type: 'string', default: 'outputs', maxLength: LIMITS.group },
    description: 'A group defined on the request',
  })
  @ApiConsumes('application/octet-stream')
  @ApiBody({ required: true, schema: { type: 'string', format: 'binary', minLength: 1 } })
  @ApiCreatedResponse({ type: UploadResultSchema, headers: VERSION_ETAG, description: 'The file with its SHA-256, and the request' })
  @ApiProblems(IF_MATCH_PROBLEMS, ...ON_REQUEST, {
    400: [
      'INVALID_FILE_NAME',
      'FILE_NAME_INVISIBLE_CHARACTER',
      'INVALID_FILE_KIND',
      'INVALID_ID',
      'EMPTY_FILE',
      'UPLOAD_ABORTED',
      'TOO_MANY_FILES',
      'TEXT_TOO_LONG',
    ],
    409: ['WRONG_STATE', 'FILE_NAME_TAKEN'],
    413: ['UPLOAD_TOO_LARGE'],
    415: ['FILE_KIND_NOT_ALLOWED'],
    422: ['UNKNOWN_GROUP'],
    503: ['STORAGE_UNAVAILABLE'],
  })
  async upload(
    @CurrentActor() actor: Actor,
    @IfMatch() ifMatch: string | undefined,
    @Param('requestId') id: string,
    @Param('name') name: string,
    @Query('kind') kind: string | undefined,
    @Query('group') group: string | undefined,
    @Req() request: Request,
  ) {
    const expectedVersion = parseIfMatch(ifMatch);
    const length = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length']);
    const person = await this.deps.registry.enrich(actor);
    const file = { name: parseFileName(name), group: group ?? 'outputs', kind: parseKind(kind) };
    const { result, fileId } = await this.deps.uploads.upload(requestId(id), person, file, request, length, expectedVersion);
    const view = this.view(result, person);
    return { file: view.files.find((f) => f.fileId === fileId), request: view };
  }

  @Delete(':requestId/files/:fileId')
  @ApiOperation({ summary: 'Remove a file from the draft' })
  @REQUEST_ID
  @ApiIfMatch('version')
  @FILE_ID
  @ApiOkResponse({ type: RequestViewSchema, headers: VERSION_ETAG, description: 'The request, with the actions the caller may take now' })
  @ApiProblems(IF_MATCH_PROBLEMS, ...ON_REQUEST, BAD_ID, { 404: ['UNKNOWN_FILE'], 409: ['WRONG_STATE'] })
  async removeFile(@CurrentActor() actor: Actor, @IfMatch() ifMatch: string | undefined, @Param('requestId') id: string, @Param('fileId') fileId: string) {
    const data = { fileId: validId(fileId, 'fileId') };
    return this.run(id, actor, ifMatch, (person, at) => ({ type: 'RemoveFile', actor: person, at, data }));
  }

  @Post(':requestId/submit')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Submit: freeze every file into quarantine and start the checks',
    description: "Each file is copied to quarantine and verified against the SHA-256 recorded at upload; the project's approval policy is recorded.",
  })
  @REQUEST_ID
  @ApiIfMatch('version')
  @ApiOkResponse({ type: RequestViewSchema, headers: VERSION_ETAG, description: 'The request, with the actions the caller may take now' })
  @ApiProblems(IF_MATCH_PROBLEMS, ...ON_REQUEST, {
    400: ['NO_FILES'],
    409: ['WRONG_STATE', 'SUBMIT_IN_PROGRESS', 'FILES_CHANGED'],
    415: ['FILE_KIND_NOT_ALLOWED'],
    422: ['MISSING_CONTEXT', 'HASH_MISMATCH'],
    503: ['STORAGE_UNAVAILABLE'],
  })
  async submit(@CurrentActor() actor: Actor, @IfMatch() ifMatch: string | undefined, @Param('requestId') id: string) {
    const expectedVersion = parseIfMatch(ifMatch);
    const person = await this.deps.registry.enrich(actor);
    const result = await this.deps.submits.submit(requestId(id), person, expectedVersion);
    return this.view(result, person);
  }

  @Post(':requestId/withdraw')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw the request before a decision' })
  @REQUEST_ID
  @ApiIfMatch('version')
  @ApiOkResponse({ type: RequestViewSchema, headers: VERSION_ETAG, description: 'The request, with the actions the caller may take now' })
  @ApiProblems(IF_MATCH_PROBLEMS, ...ON_REQUEST, { 409: ['WRONG_STATE'] })
  async withdraw(@CurrentActor() actor: Actor, @IfMatch() ifMatch: string | undefined, @Param('requestId') id: string) {
    return this.run(id, actor, ifMatch, (person, at) => ({ type: 'Withdraw', actor: person, at, data: {} }));
  }

  @Post(':requestId/files/:fileId/exceptions')
  @HttpCode(201)
  @ApiOperation({ summary: 'Ask the checkers for an exception to a finding', description: 'In awaiting_review or changes_requested.' })
  @REQUEST_ID
  @ApiIfMatch('version')
  @FILE_ID
  @ApiBody({ type: ExceptionBody })
  @ApiCreatedResponse({ type: RequestViewSchema, headers: VERSION_ETAG, description: 'The request, with the actions the caller may take now' })
  @ApiProblems(IF_MATCH_PROBLEMS, ...ON_REQUEST, JSON_BODY_PROBLEMS, {
    400: ['TEXT_TOO_LONG', 'INVALID_ID'],
    404: ['UNKNOWN_FILE'],
    409: ['WRONG_STATE'],
    422: ['UNKNOWN_FINDING'],
  })
  async exception(
    @CurrentActor() actor: Actor,
    @IfMatch() ifMatch: string | undefined,
    @Param('requestId') id: string,
    @Param('fileId') fileId: string,
    @Body() raw: unknown,
  ) {
    const input = body(raw);
    const data = {
      fileId: validId(fileId, 'fileId'),
      rule: text(input, 'rule', LIMITS.rule),
      justification: text(input, 'justification', LIMITS.justification),
    };
    return this.run(id, actor, ifMatch, (person, at) => ({ type: 'RequestException', actor: person, at, data }));
  }

  @Post(':requestId/comments')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Add a public comment',
    description: 'The author, or an independent checker of the project; once submitted and until a final decision.',
  })
  @REQUEST_ID
  @ApiIfMatch('version')
  @ApiBody({ type: ResearcherCommentBody })
  @ApiCreatedResponse({ type: RequestViewSchema, headers: VERSION_ETAG, description: 'The request, with the actions the caller may take now' })
  @ApiProblems(IF_MATCH_PROBLEMS, AUTH_PROBLEMS, STORE_PROBLEMS, JSON_BODY_PROBLEMS, {
    400: ['TEXT_TOO_LONG', 'INVALID_ID'],
    403: ['NOT_ACCREDITED', 'ROLE_REQUIRED', 'PROJECT_MEMBER_REVIEW', 'NOT_ASSIGNED_CHECKER'],
    404: ['REQUEST_NOT_FOUND', 'UNKNOWN_FILE'],
    409: ['WRONG_STATE'],
  })
  async comment(@CurrentActor() actor: Actor, @IfMatch() ifMatch: string | undefined, @Param('requestId') id: string, @Body() raw: unknown) {
    const input = body(raw);
    const fileId = optionalId(input, 'fileId');
    const data = { ...(fileId ? { fileId } : {}), comment: { text: text(input, 'text', LIMITS.comment), visibility: 'public' as const } };
    return this.run(id, actor, ifMatch, (person, at) => ({ type: 'AddComment', actor: person, at, data }));
  }

  /** A single-use link that expires in minutes; the download itself is recorded when it is used. */
  @Post(':requestId/files/:fileId/download-links')
  @HttpCode(201)
  @ApiOperation({ summary: 'Issue a single-use, short-lived download link for a released file', description: 'The author only.' })
  @REQUEST_ID
  @ApiIfMatch('version')
  @FILE_ID
  @ApiCreatedResponse({ type: DownloadLinkSchema, description: 'The link' })
  @ApiProblems(IF_MATCH_PROBLEMS, ...ON_REQUEST, BAD_ID, { 404: ['UNKNOWN_FILE'], 409: ['FILE_NOT_RELEASED'], 410: ['RELEASE_REVOKED'] })
  async link(@CurrentActor() actor: Actor, @IfMatch() ifMatch: string | undefined, @Param('requestId') id: string, @Param('fileId') fileId: string) {
    validId(fileId, 'fileId');
    const linkId = randomUUID();
    const expiresAt = new Date(this.deps.clock().getTime() + this.deps.links.ttlSeconds * 1000).toISOString();
    await this.run(id, actor, ifMatch, (person, at) => ({ type: 'IssueDownloadLink', actor: person, at, data: { fileId, linkId, expiresAt } }));
    const path = `/downloads/${id}.${linkId}`;
    return { url: `${this.deps.links.publicUrl}${path}`, path, expiresAt };
  }

  /**
   * The author's copy of the release record (JSON, or `?format=ro-crate` for the Five Safes
   * RO-Crate): hashes, rules and thresholds, findings, decisions and public feedback; checkers
   * appear as pseudonyms and private comments are left out, as everywhere the researcher looks.
   */
  @Get(':requestId/release-record')
  @ApiOperation({
    summary: "The author's copy of the release record of a released request",
    description:
      'JSON, or `format=ro-crate` for a Five Safes RO-Crate (https://w3id.org/5s-crate/0.4). Checkers appear as pseudonyms; private comments are left out.',
  })
  @REQUEST_ID
  @ApiQuery({ name: 'format', required: false, enum: RELEASE_RECORD_FORMATS, description: 'json (default) or ro-crate' })
  @ApiOkResponse({
    description: 'The record',
    content: { 'application/json': { schema: { type: 'object' } }, 'application/ld+json': { schema: { type: 'object' } } },
  })
  @ApiProblems(AUTH_PROBLEMS, { 400: ['INVALID_QUERY'], 403: AUTHOR[403], 404: AUTHOR[404], 409: ['WRONG_STATE'], 503: STORE_PROBLEMS[503] })
  async releaseRecord(
    @CurrentActor() actor: Actor,
    @Param('requestId') id: string,
    @Query('format') format: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    const chosen = parseRecordFormat(format);
    if (!chosen) throw new HttpProblem(400, 'INVALID_QUERY', `format must be one of ${RELEASE_RECORD_FORMATS.join(', ')}`);
    const { state, envelopes } = await this.deps.requests.load(requestId(id));
    if (existing(state).authorId !== actor.userId) throw new RequestError('NOT_AUTHOR', 'Only the author can see this request here');
    const person = await this.deps.registry.enrich(actor);
    if (!isAccredited(person, this.deps.clock().toISOString())) throw new RequestError('NOT_ACCREDITED', 'Your accreditation is missing or has expired');
    const events = envelopes.map((e) => ({ id: e.id, time: e.time, streamVersion: e.streamVersion, actor: e.actor, event: toDomainEvent(e) }));
    const document = releaseRecordDocument(state, events, { audience: 'author', format: chosen });
    response.set({ 'Content-Type': document.contentType, 'Cache-Control': 'no-store' });
    return document.body;
  }
}
