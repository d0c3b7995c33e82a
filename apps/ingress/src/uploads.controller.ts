import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProperty,
  ApiPropertyOptional,
  ApiSchema,
  ApiTags,
} from '@nestjs/swagger';
import { RequestError, type Actor } from '@airlock/domain';
import {
  AUTH_PROBLEMS,
  ApiIfMatch,
  ApiProblems,
  AuthGuard,
  CurrentActor,
  FILE_KINDS,
  HttpProblem,
  ID_SCHEMA,
  IF_MATCH_PROBLEMS,
  IfMatch,
  JSON_BODY_PROBLEMS,
  LIMITS,
  STORE_PROBLEMS,
  VERSION_ETAG,
  body,
  etagFromBody,
  parseIfMatch,
  requestId,
  type ProblemCodes,
} from '@airlock/http';
import { requestView } from '@airlock/application';
import type { Request } from 'express';
import { INGRESS_DEPS } from './ingress.tokens';
import { UploadResultSchema, type IngressDeps } from './requests.controller';
import { parseFileName, parseKind } from './upload.service';

@ApiSchema({ name: 'StartUpload', description: 'A file to send in parts.' })
export class StartUploadBody {
  @ApiProperty({ minLength: 1, maxLength: LIMITS.fileName, description: 'The file name in the request (no slashes or control characters)' }) name!: string;
  @ApiProperty({ type: 'integer', minimum: 1, description: 'The whole file, in bytes; at most the upload limit (413 UPLOAD_TOO_LARGE)' }) size!: number;
  @ApiProperty({
    pattern: '^[0-9a-f]{64}$',
    description: 'The SHA-256 of the whole file; completion refuses an assembled object that differs (422 HASH_MISMATCH)',
  })
  sha256!: string;
  @ApiPropertyOptional({ ...ID_SCHEMA, default: 'outputs', description: 'A group defined on the request' }) group?: string;
  @ApiPropertyOptional({ enum: FILE_KINDS, default: 'output' }) kind?: string;
}

@ApiSchema({ name: 'UploadPart' })
export class UploadPartSchema {
  @ApiProperty({ type: 'integer', minimum: 1 }) partNumber!: number;
  @ApiProperty({ type: 'integer' }) size!: number;
}

@ApiSchema({ name: 'UploadSession', description: 'A resumable upload in progress; parts listed are stored and were checked against their SHA-256.' })
export class UploadSessionSchema {
  @ApiProperty({ format: 'uuid', description: 'Also the file id once completed' }) uploadId!: string;
  @ApiProperty() name!: string;
  @ApiProperty(ID_SCHEMA) group!: string;
  @ApiProperty({ enum: FILE_KINDS }) kind!: string;
  @ApiProperty({ type: 'integer' }) size!: number;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$', description: 'The SHA-256 declared at the start' }) sha256!: string;
  @ApiProperty({ type: 'integer', description: 'Every part but the last is exactly this long' }) partSize!: number;
  @ApiProperty({ type: 'integer', maximum: 10000 }) partCount!: number;
  @ApiProperty({ type: () => [UploadPartSchema] }) parts!: UploadPartSchema[];
  @ApiProperty({ type: 'integer' }) bytesConfirmed!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', description: 'After this the draft sweeper aborts the upload' }) expiresAt!: string;
}

@ApiSchema({ name: 'StoredUploadPart' })
export class StoredPartSchema {
  @ApiProperty({ format: 'uuid' }) uploadId!: string;
  @ApiProperty({ type: 'integer' }) partNumber!: number;
  @ApiProperty({ type: 'integer' }) size!: number;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$' }) sha256!: string;
}

@ApiSchema({ name: 'CompleteUpload' })
export class CompleteUploadBody {
  @ApiPropertyOptional({
    pattern: '^[0-9a-f]{64}$',
    description: 'Optional, again: the assembled object must match it as well as the SHA-256 declared at the start (422 HASH_MISMATCH)',
  })
  sha256?: string;
}

const AUTHOR: ProblemCodes = { 403: ['NOT_AUTHOR', 'NOT_ACCREDITED'], 404: ['REQUEST_NOT_FOUND'] };
const UPLOAD: ProblemCodes = { 404: ['UPLOAD_NOT_FOUND'], 501: ['RESUMABLE_UPLOADS_UNAVAILABLE'], 503: ['STORAGE_UNAVAILABLE'] };
// What AddFile refuses, checked on every call as for a streamed upload.
const ADD_FILE: ProblemCodes = { 400: ['TOO_MANY_FILES', 'INVALID_ID'], 409: ['WRONG_STATE', 'FILE_NAME_TAKEN'], 422: ['UNKNOWN_GROUP'] };
const REQUEST_ID = ApiParam({ name: 'requestId', format: 'uuid', description: 'A request id; anything else is 404 REQUEST_NOT_FOUND' });
const UPLOAD_ID = ApiParam({ name: 'uploadId', format: 'uuid', description: 'An upload of this request; anything else is 404 UPLOAD_NOT_FOUND' });

function researcherETag(payload: unknown): string | undefined {
  const view = (payload as { request?: { requestId?: unknown; version?: unknown } } | null)?.request;
  return typeof view?.requestId === 'string' && typeof view.version === 'number' ? String(view.version) : undefined;
}

/** Resumable uploads: a file in parts, each checked, then completed into the request like a streamed upload. */
@ApiTags('uploads')
@Controller('requests/:requestId/uploads')
@UseGuards(AuthGuard)
@UseInterceptors(etagFromBody(researcherETag))
export class UploadsController {
  constructor(@Inject(INGRESS_DEPS) private readonly deps: IngressDeps) {}

  private service() {
    const service = this.deps.resumable;
    if (!service) throw new HttpProblem(501, 'RESUMABLE_UPLOADS_UNAVAILABLE', 'Resumable uploads are not configured here');
    return service;
  }

  @Post()
  @ApiOperation({
    summary: 'Start a resumable upload',
    description:
      'The same checks as PUT /requests/{requestId}/files/{name} (the author, accredited, a draft or changes_requested request, a defined group, a free name). The answer names the part size every part but the last must have.',
  })
  @REQUEST_ID
  @ApiBody({ type: StartUploadBody })
  @ApiCreatedResponse({ type: UploadSessionSchema, description: 'The upload, with no parts yet' })
  @ApiProblems(AUTH_PROBLEMS, STORE_PROBLEMS, JSON_BODY_PROBLEMS, AUTHOR, UPLOAD, ADD_FILE, {
    400: ['INVALID_FILE_NAME', 'FILE_NAME_INVISIBLE_CHARACTER', 'INVALID_FILE_KIND', 'EMPTY_FILE'],
    413: ['UPLOAD_TOO_LARGE'],
  })
  async start(@CurrentActor() actor: Actor, @Param('requestId') id: string, @Body() raw: unknown) {
    const input = body(raw);
    const size = input['size'];
    if (size === 0) throw new HttpProblem(400, 'EMPTY_FILE', 'An empty file cannot be submitted');
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1) throw new HttpProblem(400, 'INVALID_BODY', 'size must be a positive integer');
    if (typeof input['name'] !== 'string') throw new HttpProblem(400, 'INVALID_BODY', 'name must be a string');
    const sha256 = input['sha256'];
    if (typeof sha256 !== 'string') throw new HttpProblem(400, 'INVALID_BODY', 'sha256 (the SHA-256 of the whole file, hex) is required');
    const group = input['group'] ?? 'outputs';
    if (typeof group !== 'string') throw new HttpProblem(400, 'INVALID_BODY', 'group must be a string');
    const kind = input['kind'];
    if (kind !== undefined && typeof kind !== 'string') throw new HttpProblem(400, 'INVALID_BODY', 'kind must be a string');
    const person = await this.deps.registry.enrich(actor);
    return this.service().start(requestId(id), person, {
      name: parseFileName(input['name']),
      group,
      kind: parseKind(kind),
      size,
      sha256: sha256.toLowerCase(),
    });
  }

  @Get()
  @ApiOperation({ summary: 'The resumable uploads in progress on this request', description: 'The author only.' })
  @REQUEST_ID
  @ApiOkResponse({ type: [UploadSessionSchema] })
  @ApiProblems(AUTH_PROBLEMS, STORE_PROBLEMS, AUTHOR, UPLOAD)
  async list(@CurrentActor() actor: Actor, @Param('requestId') id: string) {
    const person = await this.deps.registry.enrich(actor);
    return this.service().list(requestId(id), person);
  }

  @Get(':uploadId')
  @ApiOperation({ summary: 'A resumable upload, with the parts the store confirmed', description: 'A client resumes by sending the parts not listed.' })
  @REQUEST_ID
  @UPLOAD_ID
  @ApiOkResponse({ type: UploadSessionSchema })
  @ApiProblems(AUTH_PROBLEMS, STORE_PROBLEMS, AUTHOR, UPLOAD, ADD_FILE)
  async get(@CurrentActor() actor: Actor, @Param('requestId') id: string, @Param('uploadId') uploadId: string) {
    const person = await this.deps.registry.enrich(actor);
    return this.service().get(requestId(id), person, uploadId);
  }

  @Put(':uploadId/parts/:partNumber')
  @ApiOperation({
    summary: 'Send one part',
    description:
      'The body is the part, exactly partSize bytes (the last part: the rest of the file), with `Content-Digest: sha-256=:<base64>:` (RFC 9530). A part that fails either check is not stored. Sending a part again replaces it.',
  })
  @REQUEST_ID
  @UPLOAD_ID
  @ApiParam({ name: 'partNumber', schema: { type: 'integer', minimum: 1, maximum: 10000 } })
  @ApiHeader({ name: 'Content-Digest', required: true, description: 'sha-256=:<base64 of the SHA-256 of the part>:' })
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: StoredPartSchema, description: 'The part is stored' })
  @ApiProblems(AUTH_PROBLEMS, STORE_PROBLEMS, AUTHOR, UPLOAD, ADD_FILE, {
    400: ['INVALID_PART_NUMBER', 'PART_SIZE_MISMATCH', 'DIGEST_REQUIRED', 'INVALID_DIGEST', 'UPLOAD_ABORTED'],
    413: ['PART_TOO_LARGE'],
    422: ['PART_DIGEST_MISMATCH'],
    503: ['UPLOADS_BUSY'],
  })
  async putPart(
    @CurrentActor() actor: Actor,
    @Param('requestId') id: string,
    @Param('uploadId') uploadId: string,
    @Param('partNumber') partNumber: string,
    @Req() request: Request,
  ) {
    const lengthHeader = request.headers['content-length'];
    const length = lengthHeader === undefined ? undefined : Number(lengthHeader);
    const digest = request.headers['content-digest'];
    const person = await this.deps.registry.enrich(actor);
    return this.service().putPart(requestId(id), person, uploadId, partNumber, request, {
      length: Number.isSafeInteger(length) ? length : undefined,
      digest: Array.isArray(digest) ? digest.join(',') : digest,
    });
  }

  @Post(':uploadId/complete')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Complete a resumable upload: the file joins the request',
    description:
      'Every part must be stored (409 UPLOAD_INCOMPLETE names the missing ones). The assembled object is hashed; its SHA-256 and size are recorded exactly as for a streamed upload, and submit freezes it the same way.',
  })
  @REQUEST_ID
  @UPLOAD_ID
  @ApiIfMatch('version')
  @ApiBody({ type: CompleteUploadBody, required: false })
  @ApiCreatedResponse({ type: UploadResultSchema, headers: VERSION_ETAG, description: 'The file with its SHA-256, and the request' })
  @ApiProblems(IF_MATCH_PROBLEMS, AUTH_PROBLEMS, STORE_PROBLEMS, JSON_BODY_PROBLEMS, AUTHOR, UPLOAD, ADD_FILE, {
    409: ['UPLOAD_INCOMPLETE'],
    422: ['HASH_MISMATCH'],
  })
  async complete(
    @CurrentActor() actor: Actor,
    @IfMatch() ifMatch: string | undefined,
    @Param('requestId') id: string,
    @Param('uploadId') uploadId: string,
    @Body() raw: unknown,
  ) {
    const expectedVersion = parseIfMatch(ifMatch);
    const input = raw === undefined || raw === null || (typeof raw === 'object' && Object.keys(raw).length === 0) ? {} : body(raw);
    const sha256 = input['sha256'];
    if (sha256 !== undefined && typeof sha256 !== 'string') throw new HttpProblem(400, 'INVALID_BODY', 'sha256 must be a string');
    const person = await this.deps.registry.enrich(actor);
    const { result, fileId } = await this.service().complete(requestId(id), person, uploadId, sha256, expectedVersion);
    if (result.state.status === 'none') throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
    const view = requestView(result.state, result.version, person, 'researcher', this.deps.clock().toISOString());
    return { file: view.files.find((f) => f.fileId === fileId), request: view };
  }

  @Delete(':uploadId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Abandon a resumable upload', description: 'Its parts are deleted.' })
  @REQUEST_ID
  @UPLOAD_ID
  @ApiNoContentResponse({ description: 'Abandoned' })
  @ApiProblems(AUTH_PROBLEMS, STORE_PROBLEMS, AUTHOR, UPLOAD)
  async abort(@CurrentActor() actor: Actor, @Param('requestId') id: string, @Param('uploadId') uploadId: string) {
    const person = await this.deps.registry.enrich(actor);
    await this.service().abort(requestId(id), person, uploadId);
  }
}
