import { createHash } from 'node:crypto';
import type { AccessRecorder } from '@airlock/access-log';
import { SYSTEM_ACTOR } from '@airlock/domain';
import type { ObjectStore, Stage } from '@airlock/storage';
import type { Logger } from 'pino';

/** Why an object was found without an event behind it. */
export type OrphanReason = 'NO_RELEASE_EVENT' | 'RELEASE_REVOKED' | 'HASH_NOT_RELEASED';

/** One id per object version: a removal recorded twice (a crash before the delete) is one audit record. */
function removalId(stage: Stage, key: string, version: string): string {
  const hex = createHash('sha256').update(`orphan-removed\0${stage}\0${key}\0${version}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Removes an object that no event backs, and records the removal (key, version, SHA-256) in the
 * audit log first: the record goes through the outbox before the delete, with an id derived from
 * the object's version, so a crash in between repeats the same record (deduplicated by the audit
 * log) and never leaves a removal unrecorded.
 */
export class OrphanRemover {
  constructor(
    private readonly store: ObjectStore,
    private readonly accessLog: (newId: () => string) => AccessRecorder,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async remove(stage: Stage, key: string, reason: OrphanReason, requestId?: string): Promise<boolean> {
    const found = await this.store.head(stage, key);
    if (!found) return false;
    const id = removalId(stage, key, found.versionId ?? found.sha256);
    await this.accessLog(() => id).record({
      kind: 'orphanRemoved',
      actor: { userId: SYSTEM_ACTOR.userId, roles: SYSTEM_ACTOR.roles },
      action: 'storage.orphan.remove',
      outcome: 'succeeded',
      reasonCode: reason,
      ...(requestId ? { requestId } : {}),
      file: { stage, key, sha256: found.sha256, versionId: found.versionId ?? null, size: found.size },
      at: this.clock().toISOString(),
    });
    await this.store.delete(stage, key);
    this.logger.warn({ stage, key, sha256: found.sha256, reason, requestId }, 'orphan object removed');
    return true;
  }
}
