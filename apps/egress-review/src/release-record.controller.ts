import { Controller, Get, Inject, Param, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequestError, hasRole, type Actor } from '@airlock/domain';
import { AUTH_PROBLEMS, ApiProblems, AuthGuard, CurrentActor, HttpProblem, STORE_PROBLEMS, requestId } from '@airlock/http';
import { FIVE_SAFES_PROFILE, RELEASE_RECORD_FORMATS, parseRecordFormat, releaseRecordDocument } from '@airlock/release-record';
import { requestView } from '@airlock/application';
import type { Response } from 'express';
import { recordedFrom } from './release-record.writer';
import { REVIEW_DEPS, type ReviewDeps } from './reviews.controller';

/**
 * The TRE's full release record of a request (every vote, private comments, overrides with their
 * justification), for its independent checkers and for administrators; built from the event
 * stream, so it is the same document the release record writer stores next to the files.
 */
@ApiTags('reviews')
@Controller('reviews')
@UseGuards(AuthGuard)
export class ReleaseRecordController {
  constructor(@Inject(REVIEW_DEPS) private readonly deps: ReviewDeps) {}

  @Get(':requestId/release-record')
  @ApiOperation({
    summary: 'The release record of a released request (checkers of its project, administrators)',
    description: `JSON, or \`format=ro-crate\` for a Five Safes RO-Crate (${FIVE_SAFES_PROFILE}). The TRE's full record: every vote, private comments, overrides with their justification.`,
  })
  @ApiParam({ name: 'requestId', format: 'uuid', description: 'A request id; anything else is 404 REQUEST_NOT_FOUND' })
  @ApiQuery({ name: 'format', required: false, enum: RELEASE_RECORD_FORMATS, description: 'json (default) or ro-crate' })
  @ApiOkResponse({
    description: 'The record',
    content: { 'application/json': { schema: { type: 'object' } }, 'application/ld+json': { schema: { type: 'object' } } },
  })
  @ApiProblems(AUTH_PROBLEMS, {
    400: ['INVALID_QUERY'],
    403: ['ROLE_REQUIRED', 'SELF_REVIEW', 'NOT_ASSIGNED_CHECKER'],
    404: ['REQUEST_NOT_FOUND'],
    409: ['WRONG_STATE'],
    503: STORE_PROBLEMS[503],
  })
  async releaseRecord(
    @CurrentActor() actor: Actor,
    @Param('requestId') id: string,
    @Query('format') format: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    const chosen = parseRecordFormat(format);
    if (!chosen) throw new HttpProblem(400, 'INVALID_QUERY', `format must be one of ${RELEASE_RECORD_FORMATS.join(', ')}`);
    const { state, version, envelopes } = await this.deps.requests.load(requestId(id));
    if (state.status === 'none') throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
    if (!hasRole(actor, 'administrator')) {
      if (!hasRole(actor, 'output_checker'))
        throw new RequestError('ROLE_REQUIRED', 'This needs the output_checker or administrator role', { role: 'output_checker' });
      if (state.authorId === actor.userId) throw new RequestError('SELF_REVIEW', 'The author of a request cannot review it');
      const person = await this.deps.registry.enrich(actor);
      if (!requestView(state, version, person, 'checker', this.deps.clock().toISOString()).actions.includes('view')) {
        throw new RequestError('NOT_ASSIGNED_CHECKER', 'You are not an independent, accredited checker of this project');
      }
    }
    const document = releaseRecordDocument(state, recordedFrom(envelopes), { audience: 'tre', format: chosen });
    // Governance data with private comments: never cached on the way.
    response.set({
      'Content-Type': document.contentType,
      'Cache-Control': 'no-store',
      ...(chosen === 'ro-crate' ? { Link: `<${FIVE_SAFES_PROFILE}>; rel="profile"` } : {}),
    });
    return document.body;
  }
}
