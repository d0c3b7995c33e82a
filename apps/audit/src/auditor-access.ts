import type { AccessRecorder } from '@airlock/access-log';
import { RequestError, hasRole, type Actor } from '@airlock/domain';
import type { Request } from 'express';

/**
 * Auditors' queries are themselves audited (issue 5), and recorded before they run: if the record
 * cannot be written the query is refused (fail closed). A caller without the role gets 403, which the
 * HTTP problem filter records as a denied access event, as for every other refusal.
 */
export class AuditorAccess {
  constructor(
    private readonly accessLog: AccessRecorder,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async authorise(actor: Actor, request: Request, action: string, details: Record<string, unknown>): Promise<void> {
    if (!hasRole(actor, 'auditor')) throw new RequestError('ROLE_REQUIRED', 'This action needs the auditor role', { role: 'auditor' });
    await this.accessLog.record({
      kind: 'auditQueried',
      actor: { userId: actor.userId, roles: actor.roles, ...(request.ip ? { clientAddress: request.ip } : {}) },
      action,
      outcome: 'allowed',
      at: this.clock().toISOString(),
      details: { ...details, path: request.path },
    });
  }
}
