import { wireType, type EventEnvelope } from '@airlock/contracts';
import { SYSTEM_ACTOR } from '@airlock/domain';
import type { IdempotentConsumer, ReceivedMessage } from '@airlock/messaging';
import { onceForEvents, type RequestCommandHandler } from '@airlock/runtime';
import type { ObjectStore } from '@airlock/storage';
import type { Logger } from 'pino';

const REJECTED = wireType('RequestRejected');

/**
 * Moves a rejected request's files from quarantine to the rejected bucket (DESIGN.md: kept for
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
    await onceForEvents([REJECTED], this.consumer, (e) => this.move(e))(message);
  }

  /** False when neither quarantine nor the rejected bucket holds the file any more. */
  private async copyToRejected(key: string, sha256: string): Promise<boolean> {
    try {
      await this.store.copy({ stage: 'quarantine', key }, { stage: 'rejected', key }, sha256);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code !== 'OBJECT_NOT_FOUND') throw error;
      // A crash after the copy and the delete but before the record: the copy is already there.
      return (await this.store.head('rejected', key)) !== undefined;
    }
  }

  private async move(envelope: EventEnvelope): Promise<void> {
    const { state } = await this.requests.load(envelope.subject);
    if (state.status !== 'rejected') return;
    const context = { correlationId: envelope.correlationId, causationId: envelope.id };
    for (const file of state.files) {
      if (!file.quarantineKey || file.rejectedKey || file.blockedKey) continue;
      if (!(await this.copyToRejected(file.quarantineKey, file.sha256))) {
        // Nothing left to move (removed by hand or by retention): say so, and do not block the partition.
        this.logger.warn({ requestId: state.requestId, fileId: file.fileId, sha256: file.sha256 }, 'rejected file no longer in quarantine');
        continue;
      }
      await this.requests.execute(state.requestId, (_s, at) => ({ type: 'MoveRejectedFile', actor: SYSTEM_ACTOR, at, data: { fileId: file.fileId, rejectedKey: file.quarantineKey as string } }), context);
      // Only once the move is recorded does the quarantine copy go: a crash in between leaves two copies, never none.
      await this.store.delete('quarantine', file.quarantineKey);
      this.logger.info({ requestId: state.requestId, fileId: file.fileId, sha256: file.sha256 }, 'rejected file moved');
    }
  }
}
