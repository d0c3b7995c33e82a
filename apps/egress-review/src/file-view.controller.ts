import { Controller, Get, Inject, Param, Req, Res, UseGuards } from '@nestjs/common';
import type { AccessRecorder } from '@airlock/access-log';
import { RequestError, type Actor } from '@airlock/domain';
import { AuthGuard, CurrentActor, id as validId, requestId, sendFile } from '@airlock/http';
import { requestView, type RegistryHandler, type RequestCommandHandler } from '@airlock/application';
import type { ObjectStore } from '@airlock/storage';
import type { Request, Response } from 'express';

export const FILE_VIEW_DEPS = Symbol('FILE_VIEW_DEPS');
export type FileViewDeps = { requests: RequestCommandHandler; registry: RegistryHandler; store: ObjectStore; accessLog: AccessRecorder };

/**
 * Checkers read the frozen bytes they review, inside the TRE. Each view is an access event in
 * the audit log (invariant 5), recorded before the first byte is sent.
 */
@Controller('reviews')
@UseGuards(AuthGuard)
export class FileViewController {
  constructor(@Inject(FILE_VIEW_DEPS) private readonly deps: FileViewDeps) {}

  @Get(':requestId/files/:fileId/content')
  async view(
    @CurrentActor() actor: Actor,
    @Param('requestId') id: string,
    @Param('fileId') fileId: string,
    @Req() request: Request,
    @Res() response: Response,
  ) {
    validId(fileId, 'fileId');
    const person = await this.deps.registry.enrich(actor);
    const { state, version } = await this.deps.requests.load(requestId(id));
    if (state.status === 'none') throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
    if (state.authorId === actor.userId) throw new RequestError('SELF_REVIEW', 'The author of a request cannot review it');
    if (!requestView(state, version, person, 'checker', new Date().toISOString()).actions.includes('view') || !person.roles.includes('output_checker')) {
      throw new RequestError('NOT_ASSIGNED_CHECKER', 'You are not an independent, accredited checker of this project');
    }
    const file = state.files.find((f) => f.fileId === fileId);
    if (!file?.quarantineKey) throw new RequestError('UNKNOWN_FILE', 'The request has no such submitted file', { fileId });
    if (file.blockedKey) throw new RequestError('WRONG_STATE', 'A file that carries malware is never shown', { fileId });
    await this.deps.accessLog.record({
      kind: 'fileViewed',
      actor: { userId: actor.userId, roles: [...actor.roles], clientAddress: request.ip },
      action: 'GET /reviews/:requestId/files/:fileId/content',
      outcome: 'allowed',
      requestId: state.requestId,
      projectId: state.projectId,
      file: { fileId: file.fileId, name: file.name, sha256: file.sha256, stage: 'quarantine', key: file.quarantineKey },
      at: new Date().toISOString(),
    });
    const bytes = await this.deps.store.getStream('quarantine', file.quarantineKey);
    await sendFile(response, bytes, file, 'inline');
  }
}
