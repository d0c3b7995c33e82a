import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import { RequestError, type Actor, type ExistingRequest, type RequestState } from '@airlock/domain';
import { AuthGuard, CurrentActor, HttpProblem } from '@airlock/http';
import { requestView, type RequestCommandHandler } from '@airlock/runtime';
import type { ObjectStore } from '@airlock/storage';
import type { Request, Response } from 'express';
import { INGRESS_DEPS } from './ingress.tokens';
import { UploadService, freezeAndSubmit, parseFileName, parseKind } from './upload.service';

export type IngressDeps = { requests: RequestCommandHandler; store: ObjectStore; uploads: UploadService };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function requireId(id: string): string {
  if (!UUID.test(id)) throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
  return id;
}

function text(body: unknown, field: string, max: number): string {
  const value = (body as Record<string, unknown> | undefined)?.[field];
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw new HttpProblem(400, 'INVALID_BODY', `${field} must be a non-empty string of at most ${max} characters`);
  }
  return value.trim();
}

function existing(state: RequestState): ExistingRequest {
  if (state.status === 'none') throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
  return state;
}

/** The researcher's API: create a request, stream files in, submit, download what was released. */
@Controller('requests')
@UseGuards(AuthGuard)
export class RequestsController {
  constructor(@Inject(INGRESS_DEPS) private readonly deps: IngressDeps) {}

  @Post()
  async create(@CurrentActor() actor: Actor, @Body() body: unknown) {
    const requestId = randomUUID();
    const data = { requestId, projectId: text(body, 'projectId', 128), title: text(body, 'title', 500) };
    const result = await this.deps.requests.execute(requestId, (_s, at) => ({ type: 'CreateRequest', actor, at, data }));
    return requestView(existing(result.state), result.version, actor, 'researcher');
  }

  @Get(':requestId')
  async get(@CurrentActor() actor: Actor, @Param('requestId') id: string) {
    const { state, version } = await this.deps.requests.load(requireId(id));
    const request = existing(state);
    if (request.authorId !== actor.userId) throw new RequestError('NOT_AUTHOR', 'Only the author can see this request here');
    return requestView(request, version, actor, 'researcher');
  }

  @Put(':requestId/files/:name')
  @HttpCode(201)
  async upload(@CurrentActor() actor: Actor, @Param('requestId') id: string, @Param('name') name: string, @Query('kind') kind: string | undefined, @Req() request: Request) {
    const length = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length']);
    const { result, fileId } = await this.deps.uploads.upload(requireId(id), actor, parseFileName(name), parseKind(kind), request, length);
    const view = requestView(existing(result.state), result.version, actor, 'researcher');
    return { file: view.files.find((f) => f.fileId === fileId), request: view };
  }

  @Post(':requestId/submit')
  @HttpCode(200)
  async submit(@CurrentActor() actor: Actor, @Param('requestId') id: string) {
    const result = await freezeAndSubmit(this.deps.requests, this.deps.store, requireId(id), actor);
    return requestView(existing(result.state), result.version, actor, 'researcher');
  }

  @Get(':requestId/files/:fileId/content')
  async download(@CurrentActor() actor: Actor, @Param('requestId') id: string, @Param('fileId') fileId: string, @Res() response: Response) {
    // Recording the download first means no byte leaves without an audit record.
    const result = await this.deps.requests.execute(requireId(id), (_s, at) => ({ type: 'RecordDownload', actor, at, data: { fileId } }));
    const file = existing(result.state).files.find((f) => f.fileId === fileId);
    if (!file?.releasedKey) throw new RequestError('FILE_NOT_RELEASED', 'Only released files can be downloaded');
    const body = await this.deps.store.getStream('released', file.releasedKey);
    response.status(200).set({
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(file.size),
      'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      'X-Content-SHA256': file.sha256,
    });
    await pipeline(body, response);
  }
}
