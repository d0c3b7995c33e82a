import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { RequestError, hasRole, type Actor } from '@airlock/domain';
import { AuthGuard, CurrentActor, HttpProblem } from '@airlock/http';
import type { AuditLogRepository } from './audit-log.repository';
import { verifyChain } from './hash-chain';

export const AUDIT_LOG = Symbol('AUDIT_LOG');

function requireAuditor(actor: Actor): void {
  if (!hasRole(actor, 'auditor')) throw new RequestError('ROLE_REQUIRED', 'This action needs the auditor role', { role: 'auditor' });
}

function intParam(value: string | undefined, fallback: number, min: number, max: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpProblem(400, 'INVALID_QUERY', `${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** Auditors query and verify the chain. */
@Controller('audit')
@UseGuards(AuthGuard)
export class AuditController {
  constructor(@Inject(AUDIT_LOG) private readonly log: AuditLogRepository) {}

  @Get('records')
  async records(
    @CurrentActor() actor: Actor,
    @Query('subject') subject?: string,
    @Query('type') type?: string,
    @Query('actor') actorId?: string,
    @Query('after') after?: string,
    @Query('limit') limit?: string,
  ) {
    requireAuditor(actor);
    const size = intParam(limit, 100, 1, 1000, 'limit');
    const items = await this.log.query({ subject, type, actorId, afterPosition: intParam(after, 0, 0, Number.MAX_SAFE_INTEGER, 'after'), limit: size });
    return { items, next: items.length === size ? items[items.length - 1].position : null };
  }

  @Get('verify')
  async verify(@CurrentActor() actor: Actor) {
    requireAuditor(actor);
    const records = [];
    for await (const record of this.log.all()) records.push(record);
    return verifyChain(records);
  }
}
