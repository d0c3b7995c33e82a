import { wireType, type EventEnvelope } from '@airlock/contracts';
import { SYSTEM_ACTOR } from '@airlock/domain';
import type { IdempotentConsumer, ReceivedMessage } from '@airlock/messaging';
import { onceForEvents, type RequestCommandHandler } from '@airlock/runtime';
import type { ObjectStore } from '@airlock/storage';
import type { Logger } from 'pino';

const REVOKED = wireType('RequestRevoked');

/** After a revocation, removes each released object and records it (with its hash) as withdrawn. */
export class RevocationWorker {
  constructor(
    private readonly requests: RequestCommandHandler,
    private readonly store: ObjectStore,
    private readonly consumer: IdempotentConsumer,
    private readonly logger: Logger,
  ) {}

  async onMessage(message: ReceivedMessage): Promise<void> {
    await onceForEvents([REVOKED], this.consumer, (e) => this.withdraw(e))(message);
  }

  private async withdraw(envelope: EventEnvelope): Promise<void> {
    const { state } = await this.requests.load(envelope.subject);
    if (state.status !== 'revoked') return;
    const context = { correlationId: envelope.correlationId, causationId: envelope.id };
    for (const file of state.files) {
      if (!file.releasedKey || file.withdrawnFromRelease) continue;
      await this.store.delete('released', file.releasedKey);
      await this.requests.execute(state.requestId, (_s, at) => ({ type: 'WithdrawReleasedFile', actor: SYSTEM_ACTOR, at, data: { fileId: file.fileId } }), context);
      this.logger.info({ requestId: state.requestId, fileId: file.fileId, sha256: file.sha256 }, 'released file withdrawn after revocation');
    }
  }
}
