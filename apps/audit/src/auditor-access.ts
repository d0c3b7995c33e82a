import type { AccessRecorder } from '@airlock/access-log';
import { RequestError, hasRole, type Actor } from '@airlock/domain';
import type { Request } from 'express';

/**
 * Auditors' queries are themselves audited (issue 5), and recorded before they run: if the record
 * cannot be written the query is refused (fail closed). A caller without the role is recorded as denied.
 */
export class AuditorAccess {
  constructor(
    private readonly accessLog: AccessRecorder,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async authorise(actor: Actor, request: Request, action: string, details: Record<string, unknown>): Promise<void> {
    const base = {
      actor: { userId: actor.userId, roles: actor.roles, ...(request.ip ? { clientAddress: request.ip } : {}) },
      action,
      at: this.clock().toISOString(),
      details: { ...details, path: request.path },
    };
    if (!hasRole(actor, 'auditor')) {
      await this.accessLog.record({ ...base, kind: 'denied', outcome: 'denied', reasonCode: 'ROLE_REQUIRED' });
      throw new RequestError('ROLE_REQUIRED', 'This action needs the auditor role', { role: 'auditor' });
    }
    await this.accessLog.record({ ...base, kind: 'auditQueried', outcome: 'allowed' });
  }
}
