import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { RequestError, decide, releaseDestination, type Actor, type ExistingRequest, type RecordDownload } from '@airlock/domain';
import type { Response } from 'express';
import { INGRESS_DEPS } from './ingress.tokens';
import type { IngressDeps } from './requests.controller';
import { ApiProblems, STORE_PROBLEMS, requestId, sendFile } from '@airlock/http';

const LINK = /^([0-9a-f-]{36})\.([0-9a-f-]{36})$/i;

/**
 * Download links carry their own authority (an unguessable, single-use, short-lived id issued to
 * the author), so a browser can follow them. The request's state is checked at the moment of
 * use: a revoked release stops every outstanding link at once. The link is used up only once the
 * object's stream has opened, so a storage error leaves it usable (issue 9, finding 10).
 */
@ApiTags('downloads')
@Controller('downloads')
export class DownloadsController {
  constructor(@Inject(INGRESS_DEPS) private readonly deps: IngressDeps) {}

  @Get(':token')
  @ApiOperation({
    summary: 'Download a released file through a single-use link',
    description: 'No token needed: the link is the authority. It works once, until it expires, while the release stands and its holder is accredited.',
  })
  @ApiParam({
    name: 'token',
    schema: { type: 'string', pattern: LINK.source },
    description: '<requestId>.<linkId>, as issued by POST /requests/{requestId}/files/{fileId}/download-links',
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({
    description: 'The released bytes',
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
    headers: {
      'X-Content-SHA256': { description: 'SHA-256 of the bytes, as frozen at submission', schema: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
      'Content-Disposition': { description: 'attachment, with the file name', schema: { type: 'string' } },
    },
  })
  @ApiProblems(STORE_PROBLEMS, {
    403: ['NOT_ACCREDITED'],
    404: ['UNKNOWN_LINK', 'REQUEST_NOT_FOUND'],
    409: ['FILE_NOT_RELEASED'],
    410: ['LINK_USED', 'LINK_EXPIRED', 'RELEASE_REVOKED'],
    503: ['STORAGE_UNAVAILABLE', 'AUDIT_UNAVAILABLE'],
  })
  async download(@Param('token') token: string, @Res() response: Response) {
    const match = LINK.exec(token);
    if (!match) throw new RequestError('UNKNOWN_LINK', 'No such download link');
    const [, id, linkId] = match;
    const { state } = await this.deps.requests.load(requestId(id));
    const link = state.status === 'none' ? undefined : state.links.find((l) => l.linkId === linkId);
    if (!link) throw new RequestError('UNKNOWN_LINK', 'No such download link');
    const holder: Actor = await this.deps.registry.enrich({ userId: link.issuedTo, roles: ['researcher'] });
    const use = (at: string): RecordDownload => ({ type: 'RecordDownload', actor: holder, at, data: { linkId } });
    // The domain's rules first (used, expired, revoked, accreditation), so nothing is fetched for a dead link.
    decide(use(this.deps.clock().toISOString()), state);
    const file = state.status === 'none' ? undefined : state.files.find((f) => f.fileId === link.fileId);
    if (!file?.releasedKey) throw new RequestError('FILE_NOT_RELEASED', 'Only released files can be downloaded');
    // An import's files are taken from the imported bucket (docs/adr/0012-imports.md).
    const bytes = await this.deps.store.getStream(releaseDestination(state as ExistingRequest), file.releasedKey);
    try {
      // Atomic with the stream's version: of two racing uses one appends, the other is refused LINK_USED.
      await this.deps.requests.execute(id, (_s, at) => use(at));
    } catch (error) {
      bytes.destroy();
      throw error;
    }
    await sendFile(response, bytes, file, 'attachment');
  }
}
