import { pipeline } from 'node:stream/promises';
import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { RequestError, type Actor } from '@airlock/domain';
import type { Response } from 'express';
import { INGRESS_DEPS } from './ingress.tokens';
import type { IngressDeps } from './requests.controller';
import { requestId } from '@airlock/http';

const LINK = /^([0-9a-f-]{36})\.([0-9a-f-]{36})$/i;

/**
 * Download links carry their own authority (an unguessable, single-use, short-lived id issued to
 * the author), so a browser can follow them. The request's state is checked at the moment of
 * use: a revoked release stops every outstanding link at once.
 */
@Controller('downloads')
export class DownloadsController {
  constructor(@Inject(INGRESS_DEPS) private readonly deps: IngressDeps) {}

  @Get(':token')
  async download(@Param('token') token: string, @Res() response: Response) {
    const match = LINK.exec(token);
    if (!match) throw new RequestError('UNKNOWN_LINK', 'No such download link');
    const [, id, linkId] = match;
    const { state } = await this.deps.requests.load(requestId(id));
    const link = state.status === 'none' ? undefined : state.links.find((l) => l.linkId === linkId);
    if (!link) throw new RequestError('UNKNOWN_LINK', 'No such download link');
    const holder: Actor = await this.deps.registry.enrich({ userId: link.issuedTo, roles: ['researcher'] });
    const result = await this.deps.requests.execute(id, (_s, at) => ({ type: 'RecordDownload', actor: holder, at, data: { linkId } }));
    const file = result.state.status === 'none' ? undefined : result.state.files.find((f) => f.fileId === link.fileId);
    if (!file?.releasedKey) throw new RequestError('FILE_NOT_RELEASED', 'Only released files can be downloaded');
    const bytes = await this.deps.store.getStream('released', file.releasedKey);
    response.status(200).set({
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(file.size),
      'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      'X-Content-SHA256': file.sha256,
      'Cache-Control': 'no-store',
    });
    await pipeline(bytes, response);
  }
}
