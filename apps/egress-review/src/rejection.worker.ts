import { wireType, type EventEnvelope } from '@airlock/contracts';
import { SYSTEM_ACTOR } from '@airlock/domain';
import type { IdempotentConsumer, ReceivedMessage } from '@airlock/messaging';
import { onceForEvents, type RequestCommandHandler } from '@airlock/application';
import { moveVerified, type ObjectStore } from '@airlock/storage';
import type { Logger } from 'pino';

const REJECTED = wireType('RequestRejected');
export const REJECTION_EVENT_TYPES = [REJECTED] as const;

/**
 * Moves a rejected request's files from quarantine to the rejected bucket (docs/design.md: kept for
 * the retention period), verified by hash, then records each move with its key and SHA-256.
 */
export class RejectionWorker {
  constructor(
    private readonly requests: RequestCommandHandler,
    private readonly store: ObjectStore,
    private readonly consumer: IdempotentConsumer,
    private readonly logger: Logger,
  ) {}

  async onMessage(message: ReceivedMessage): Promise<void> {
    await onceForEvents(REJECTION_EVENT_TYPES, this.consumer, (e) => this.move(e))(message);
  }

  private async move(envelope: EventEnvelope): Promise<void> {
    const { state } = await this.requests.current(envelope.subject);
    if (state.status !== 'rejected') return;
    const context = { correlationId: envelope.correlationId, causationId: envelope.id };
    for (const file of state.files) {
      if (!file.quarantineKey || file.rejectedKey || file.blockedKey) continue;
      const key = file.quarantineKey;
      try {
        // Copy verified, then delete, then record: a crash after any step leaves the bytes in one of
        // the two buckets, and this redelivery finds them and finishes (invariant 7).
        await moveVerified(this.store, { stage: 'quarantine', key }, { stage: 'rejected', key }, file.sha256);
      } catch (error) {
        if ((error as { code?: string }).code !== 'OBJECT_NOT_FOUND') throw error;
        // Nothing left to move (removed by hand or by retention): say so, and do not block the partition.
        this.logger.warn({ requestId: state.requestId, fileId: file.fileId, sha256: file.sha256 }, 'rejected file no longer in quarantine');
        continue;
      }
      await this.requests.execute(
        state.requestId,
        (_s, at) => ({ type: 'MoveRejectedFile', actor: SYSTEM_ACTOR, at, data: { fileId: file.fileId, rejectedKey: key } }),
        context,
      );
      this.logger.info({ requestId: state.requestId, fileId: file.fileId, sha256: file.sha256 }, 'rejected file moved');
    }
  }
}
