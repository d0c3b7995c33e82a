import { Controller, Get, Header, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ChainRangeError, verifyStoredChain } from '@airlock/access-log';
import type { Actor } from '@airlock/domain';
import { AuthGuard, CurrentActor, HttpProblem } from '@airlock/http';
import type { Request, Response } from 'express';
import { exportLines, planExport, type ExportFormat } from './audit-export';
import type { AuditLogRepository } from './audit-log.repository';
import { AuditQueryError, CHECKPOINTS_PAGE, RECORDS_PAGE, parseAuditFilter, parsePage, positiveInt } from './audit-query';
import {
  AUDIT_API,
  AuditFilterQuery,
  CheckpointNowDoc,
  CheckpointsDoc,
  CheckpointsPageQuery,
  ExportDoc,
  ExportFormatQuery,
  PublicKeyDoc,
  PublicKeysDoc,
  RecordsDoc,
  RecordsPageQuery,
  VerifyDoc,
  VerifyRangeQuery,
} from './audit.openapi';
import type { AuditorAccess } from './auditor-access';
import { ChainBrokenError, type Checkpointer } from './checkpointer';

export const AUDIT_LOG = Symbol('AUDIT_LOG');
export const AUDITOR_ACCESS = Symbol('AUDITOR_ACCESS');
export const CHECKPOINTER = Symbol('CHECKPOINTER');

type RawQuery = Record<string, string | string[] | undefined>;

/** HTTP only: parse, authorise (and record the query), call, map back. */
function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof AuditQueryError) throw new HttpProblem(400, error.code, error.message);
    throw error;
  }
}

function drained(response: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      response.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      response.off('drain', onDrain);
      reject(new Error('the client went away during the export'));
    };
    response.once('drain', onDrain).once('close', onClose);
  });
}

/** A range the chain cannot answer is the caller's mistake, never a tamper verdict (issue 9, finding 9). */
function rangeProblem(error: unknown): never {
  if (error instanceof ChainRangeError) throw new HttpProblem(400, error.code, error.message);
  throw error;
}

function chainProblem(error: unknown): never {
  if (error instanceof ChainBrokenError) throw new HttpProblem(409, error.code, error.message);
  throw error;
}

/** Auditors query, verify and export the chain; every call is itself recorded as an access event. */
@AUDIT_API
@ApiTags('audit')
@Controller('audit')
@UseGuards(AuthGuard)
export class AuditController {
  constructor(
    @Inject(AUDIT_LOG) private readonly log: AuditLogRepository,
    @Inject(AUDITOR_ACCESS) private readonly access: AuditorAccess,
    @Inject(CHECKPOINTER) private readonly checkpoints: Checkpointer,
  ) {}

  @Get('records')
  @RecordsDoc()
  @AuditFilterQuery()
  @RecordsPageQuery()
  async records(@CurrentActor() actor: Actor, @Req() request: Request) {
    const query = request.query as RawQuery;
    const { filter, page } = parsed(() => ({ filter: parseAuditFilter(query), page: parsePage(query, RECORDS_PAGE) }));
    await this.access.authorise(actor, request, 'audit.records', { filter, page });
    const items = await this.log.query(filter, page);
    return { items, next: items.length === page.limit ? items[items.length - 1].position : null };
  }

  @Get('verify')
  @VerifyDoc()
  @VerifyRangeQuery()
  async verify(@CurrentActor() actor: Actor, @Req() request: Request) {
    const query = request.query as RawQuery;
    const range = parsed(() => ({
      from: positiveInt(query, 'from', { min: 1, max: Number.MAX_SAFE_INTEGER, fallback: 1 }) as number,
      to: positiveInt(query, 'to', { min: 1, max: Number.MAX_SAFE_INTEGER }),
    }));
    await this.access.authorise(actor, request, 'audit.verify', range);
    return verifyStoredChain(this.log.db, { ...range, trustedKeys: this.checkpoints.trustedKeys }).catch(rangeProblem);
  }

  @Get('export')
  @ExportDoc()
  @AuditFilterQuery()
  @ExportFormatQuery()
  async export(@CurrentActor() actor: Actor, @Req() request: Request, @Res() response: Response): Promise<void> {
    const query = request.query as RawQuery;
    const { filter, format } = parsed(() => {
      const f = query.format ?? 'jsonl';
      if (f !== 'jsonl' && f !== 'cef') throw new AuditQueryError('format must be jsonl or cef');
      return { filter: parseAuditFilter(query), format: f as ExportFormat };
    });
    await this.access.authorise(actor, request, 'audit.export', { filter, format });
    const plan = await planExport(filter, this.checkpoints).catch(chainProblem);
    const exportedAt = new Date().toISOString();
    response.status(200).type(format === 'jsonl' ? 'application/x-ndjson' : 'text/plain; charset=utf-8');
    response.setHeader(
      'content-disposition',
      `attachment; filename="airlock-audit-${exportedAt.replace(/[:.]/g, '')}.${format === 'jsonl' ? 'jsonl' : 'cef'}"`,
    );
    for await (const chunk of exportLines(this.log, format, plan, exportedAt)) {
      // Respect back-pressure: a slow client must not make us buffer the whole export.
      if (!response.write(chunk)) await drained(response);
    }
    response.end();
  }

  @Get('checkpoints')
  @CheckpointsDoc()
  @CheckpointsPageQuery()
  async listCheckpoints(@CurrentActor() actor: Actor, @Req() request: Request) {
    const limit = parsed(
      () => positiveInt(request.query as RawQuery, 'limit', { min: 1, max: CHECKPOINTS_PAGE.maxLimit, fallback: CHECKPOINTS_PAGE.defaultLimit }) as number,
    );
    await this.access.authorise(actor, request, 'audit.checkpoints', { limit });
    return { items: await this.log.listCheckpoints(limit), keyId: this.checkpoints.keyId };
  }

  /** Signs the current head now (after verifying what was appended since the previous checkpoint). */
  @Post('checkpoints')
  @CheckpointNowDoc()
  async checkpoint(@CurrentActor() actor: Actor, @Req() request: Request) {
    await this.access.authorise(actor, request, 'audit.checkpoint', {});
    const checkpoint = await this.checkpoints.checkpointNow().catch(chainProblem);
    if (!checkpoint) throw new HttpProblem(409, 'AUDIT_CHAIN_EMPTY', 'There is nothing to sign yet');
    return checkpoint;
  }
}

/** The checkpoint key is public: anyone verifying an export offline needs it, no token required. */
@ApiTags('audit')
@Controller('audit')
export class AuditPublicKeyController {
  constructor(@Inject(CHECKPOINTER) private readonly checkpoints: Checkpointer) {}

  @Get('public-key')
  @PublicKeyDoc()
  @Header('content-type', 'application/x-pem-file')
  publicKey(@Res({ passthrough: true }) response: Response): string {
    response.setHeader('x-airlock-key-id', this.checkpoints.keyId);
    return this.checkpoints.publicKey;
  }

  @Get('public-keys')
  @PublicKeysDoc()
  publicKeys() {
    return { current: this.checkpoints.keyId, keys: this.checkpoints.publicKeys };
  }
}
