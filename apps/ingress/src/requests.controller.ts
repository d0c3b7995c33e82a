import { randomUUID } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
import { RequestError, type Actor, type RequestCommand, type RequestState } from '@airlock/domain';
import { AuthGuard, CurrentActor, LIMITS, body, optionalText, requestId, text } from '@airlock/http';
import { requestView, type RegistryHandler, type RequestCommandHandler, type CommandResult } from '@airlock/runtime';
import type { ObjectStore } from '@airlock/storage';
import type { Request } from 'express';
import { INGRESS_DEPS } from './ingress.tokens';

import { UploadService, freezeAndSubmit, parseFileName, parseKind } from './upload.service';

export type IngressDeps = {
  requests: RequestCommandHandler;
  registry: RegistryHandler;
  store: ObjectStore;
  uploads: UploadService;
  links: { ttlSeconds: number; publicUrl: string };
  clock: () => Date;
};

function existing(state: RequestState) {
  if (state.status === 'none') throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
  return state;
}

/** The researcher's API: requests, groups, streamed files, submit, withdraw, exceptions, comments, download links. */
@Controller('requests')
@UseGuards(AuthGuard)
export class RequestsController {
  constructor(@Inject(INGRESS_DEPS) private readonly deps: IngressDeps) {}

  private view(result: Pick<CommandResult, 'state' | 'version'>, actor: Actor) {
    return requestView(existing(result.state), result.version, actor, 'researcher', this.deps.clock().toISOString());
  }

  private async run(id: string, token: Actor, build: (person: Actor, at: string) => RequestCommand) {
    const person = await this.deps.registry.enrich(token);
    const result = await this.deps.requests.execute(requestId(id), (_s, at) => build(person, at));
    return this.view(result, person);
  }

  @Post()
  async create(@CurrentActor() actor: Actor, @Body() raw: unknown) {
    const input = body(raw);
    const data = { requestId: randomUUID(), projectId: text(input, 'projectId', LIMITS.projectId), title: text(input, 'title', LIMITS.title) };
    return this.run(data.requestId, actor, (person, at) => ({ type: 'CreateRequest', actor: person, at, data }));
  }

  @Get(':requestId')
  async get(@CurrentActor() actor: Actor, @Param('requestId') id: string) {
    const loaded = await this.deps.requests.load(requestId(id));
    if (existing(loaded.state).authorId !== actor.userId) throw new RequestError('NOT_AUTHOR', 'Only the author can see this request here');
    return this.view(loaded, await this.deps.registry.enrich(actor));
  }

  @Put(':requestId/groups/:group')
  async defineGroup(@CurrentActor() actor: Actor, @Param('requestId') id: string, @Param('group') group: string, @Body() raw: unknown) {
    const input = body(raw);
    const data = { group: text({ group }, 'group', LIMITS.group), context: text(input, 'context', LIMITS.context), controls: text(input, 'controls', LIMITS.context) };
    return this.run(id, actor, (person, at) => ({ type: 'DefineGroup', actor: person, at, data }));
  }

  @Put(':requestId/files/:name')
  @HttpCode(201)
  async upload(
    @CurrentActor() actor: Actor, @Param('requestId') id: string, @Param('name') name: string,
    @Query('kind') kind: string | undefined, @Query('group') group: string | undefined, @Req() request: Request,
  ) {
    const length = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length']);
    const person = await this.deps.registry.enrich(actor);
    const file = { name: parseFileName(name), group: group ?? 'outputs', kind: parseKind(kind) };
    const { result, fileId } = await this.deps.uploads.upload(requestId(id), person, file, request, length);
    const view = this.view(result, person);
    return { file: view.files.find((f) => f.fileId === fileId), request: view };
  }

  @Delete(':requestId/files/:fileId')
  async removeFile(@CurrentActor() actor: Actor, @Param('requestId') id: string, @Param('fileId') fileId: string) {
    return this.run(id, actor, (person, at) => ({ type: 'RemoveFile', actor: person, at, data: { fileId } }));
  }

  @Post(':requestId/submit')
  @HttpCode(200)
  async submit(@CurrentActor() actor: Actor, @Param('requestId') id: string) {
    const person = await this.deps.registry.enrich(actor);
    const result = await freezeAndSubmit(this.deps.requests, this.deps.registry, this.deps.store, requestId(id), person);
    return this.view(result, person);
  }

  @Post(':requestId/withdraw')
  @HttpCode(200)
  async withdraw(@CurrentActor() actor: Actor, @Param('requestId') id: string) {
    return this.run(id, actor, (person, at) => ({ type: 'Withdraw', actor: person, at, data: {} }));
  }

  @Post(':requestId/files/:fileId/exceptions')
  @HttpCode(201)
  async exception(@CurrentActor() actor: Actor, @Param('requestId') id: string, @Param('fileId') fileId: string, @Body() raw: unknown) {
    const input = body(raw);
    const data = { fileId, rule: text(input, 'rule', LIMITS.rule), justification: text(input, 'justification', LIMITS.justification) };
    return this.run(id, actor, (person, at) => ({ type: 'RequestException', actor: person, at, data }));
  }

  @Post(':requestId/comments')
  @HttpCode(201)
  async comment(@CurrentActor() actor: Actor, @Param('requestId') id: string, @Body() raw: unknown) {
    const input = body(raw);
    const fileId = optionalText(input, 'fileId', 64);
    const data = { ...(fileId ? { fileId } : {}), comment: { text: text(input, 'text', LIMITS.comment), visibility: 'public' as const } };
    return this.run(id, actor, (person, at) => ({ type: 'AddComment', actor: person, at, data }));
  }

  /** A single-use link that expires in minutes; the download itself is recorded when it is used. */
  @Post(':requestId/files/:fileId/download-links')
  @HttpCode(201)
  async link(@CurrentActor() actor: Actor, @Param('requestId') id: string, @Param('fileId') fileId: string) {
    const linkId = randomUUID();
    const expiresAt = new Date(this.deps.clock().getTime() + this.deps.links.ttlSeconds * 1000).toISOString();
    await this.run(id, actor, (person, at) => ({ type: 'IssueDownloadLink', actor: person, at, data: { fileId, linkId, expiresAt } }));
    const path = `/downloads/${id}.${linkId}`;
    return { url: `${this.deps.links.publicUrl}${path}`, path, expiresAt };
  }
}
