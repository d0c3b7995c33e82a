import { wireType } from '@airlock/contracts';
import { SYSTEM_ACTOR, releasableFiles } from '@airlock/domain';
import type { IdempotentConsumer, ReceivedMessage } from '@airlock/messaging';
import { onceForEvents, type RequestCommandHandler } from '@airlock/runtime';
import type { ObjectStore } from '@airlock/storage';
import type { Logger } from 'pino';

const APPROVED = wireType('RequestApproved');

/**
 * Releases an approved request: server-side copy quarantine → released, verified against the
 * SHA-256 frozen at submission (invariant 2), then one event per file. Safe to redeliver.
 */
export class ReleaseWorker {
  constructor(
    private readonly requests: RequestCommandHandler,
    private readonly store: ObjectStore,
    private readonly consumer: IdempotentConsumer,
    private readonly logger: Logger,
  ) {}

  async onMessage(message: ReceivedMessage): Promise<void> {
    await onceForEvents([APPROVED], this.consumer, (e) => this.release(e.subject, { correlationId: e.correlationId, causationId: e.id }))(message);
  }

  private async release(requestId: string, context: { correlationId: string; causationId: string }): Promise<void> {
    const { state } = await this.requests.load(requestId);
    if (state.status !== 'approved') return;
    for (const file of releasableFiles(state)) {
      if (file.releasedKey || !file.quarantineKey) continue;
      const releasedKey = `requests/${requestId}/turn-${state.turn}/${file.fileId}/${file.name}`;
      try {
        await this.store.copy({ stage: 'quarantine', key: file.quarantineKey }, { stage: 'released', key: releasedKey }, file.sha256);
      } catch (error) {
        const code = (error as { code?: string }).code;
        // Invariant 2: changed or vanished frozen bytes fail the request for good (a retry cannot
        // bring them back); any other error (S3 down) is retried and the release waits.
        if (code !== 'HASH_MISMATCH' && code !== 'OBJECT_NOT_FOUND') throw error;
        const reason = code === 'HASH_MISMATCH'
          ? `file ${file.fileId} failed hash verification at release`
          : `file ${file.fileId} is missing from quarantine at release`;
        await this.requests.execute(requestId, (_s, at) => ({ type: 'FailRequest', actor: SYSTEM_ACTOR, at, data: { reason } }), context);
        return;
      }
      const data = { fileId: file.fileId, verifiedSha256: file.sha256, releasedKey };
      await this.requests.execute(requestId, (_s, at) => ({ type: 'ReleaseFile', actor: SYSTEM_ACTOR, at, data }), context);
      this.logger.info({ requestId, fileId: file.fileId, sha256: file.sha256 }, 'file released');
    }
  }
}
