import { wireType, type EventEnvelope } from '@airlock/contracts';
import { SYSTEM_ACTOR, releaseDestination } from '@airlock/domain';
import type { IdempotentConsumer, ReceivedMessage } from '@airlock/messaging';
import { onceForEvents, type RequestCommandHandler } from '@airlock/application';
import type { ObjectStore } from '@airlock/storage';
import type { Logger } from 'pino';
import type { OrphanRemover } from './orphan-remover';
import { releasedPrefix } from './release.worker';

const REVOKED = wireType('RequestRevoked');
export const REVOCATION_EVENT_TYPES = [REVOKED] as const;

/**
 * After a revocation, removes each released object and records it (with its hash) as withdrawn,
 * then sweeps the request's whole released prefix: a copy a release made without recording it
 * (revoked mid-release, or a crash) is removed too, and the removal audited. Each step is
 * idempotent, so a redelivery after a crash at any step finishes the job.
 */
export class RevocationWorker {
  constructor(
    private readonly requests: RequestCommandHandler,
    private readonly store: ObjectStore,
    private readonly consumer: IdempotentConsumer,
    private readonly logger: Logger,
    private readonly orphans: OrphanRemover,
  ) {}

  async onMessage(message: ReceivedMessage): Promise<void> {
    await onceForEvents(REVOCATION_EVENT_TYPES, this.consumer, (e) => this.withdraw(e))(message);
  }

  private async withdraw(envelope: EventEnvelope): Promise<void> {
    const { state } = await this.requests.current(envelope.subject);
    if (state.status !== 'revoked') return;
    const context = { correlationId: envelope.correlationId, causationId: envelope.id };
    const destination = releaseDestination(state);
    for (const file of state.files) {
      if (!file.releasedKey || file.withdrawnFromRelease) continue;
      await this.store.delete(destination, file.releasedKey);
      await this.requests.execute(
        state.requestId,
        (_s, at) => ({ type: 'WithdrawReleasedFile', actor: SYSTEM_ACTOR, at, data: { fileId: file.fileId } }),
        context,
      );
      this.logger.info({ requestId: state.requestId, fileId: file.fileId, sha256: file.sha256 }, 'released file withdrawn after revocation');
    }
    for (const object of await this.store.list(destination, releasedPrefix(state.requestId))) {
      await this.orphans.remove(destination, object.key, 'RELEASE_REVOKED', state.requestId);
    }
  }
}
