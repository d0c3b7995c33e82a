import { wireType } from '@airlock/contracts';
import { SYSTEM_ACTOR, releasableFiles, releaseDestination, type ExistingRequest, type RequestFile, type RequestState } from '@airlock/domain';
import type { IdempotentConsumer, ReceivedMessage } from '@airlock/messaging';
import { onceForEvents, type CommandContext, type RequestCommandHandler } from '@airlock/application';
import type { ObjectStore } from '@airlock/storage';
import { inSpan } from '@airlock/telemetry';
import type { Logger } from 'pino';
import { egressReviewMetrics } from './egress-review.metrics';
import type { OrphanRemover } from './orphan-remover';

const APPROVED = wireType('RequestApproved');
export const RELEASE_EVENT_TYPES = [APPROVED] as const;

/** Everything a request ever puts in the released (or, for an import, imported) bucket lives under this prefix. */
export const releasedPrefix = (requestId: string): string => `requests/${requestId}/`;

export const releasedKeyOf = (state: ExistingRequest, file: RequestFile): string =>
  `${releasedPrefix(state.requestId)}turn-${state.turn}/${file.fileId}/${file.name}`;

const codeOf = (error: unknown): string | undefined => (error as { code?: string })?.code;

/**
 * Releases an approved request: server-side copy quarantine → released, verified against the
 * SHA-256 frozen at submission (invariant 2), then one event per file. Safe to redeliver.
 * The status is read again before every copy, and a revocation that lands mid-release has the
 * copies not backed by a `FileReleased` event removed again (invariant 7: the released bucket is the log).
 */
export class ReleaseWorker {
  constructor(
    private readonly requests: RequestCommandHandler,
    private readonly store: ObjectStore,
    private readonly consumer: IdempotentConsumer,
    private readonly logger: Logger,
    /** Copies no `FileReleased` event backs are removed through it, so each removal is audited. */
    private readonly orphans: OrphanRemover,
  ) {}

  async onMessage(message: ReceivedMessage): Promise<void> {
    await onceForEvents(RELEASE_EVENT_TYPES, this.consumer, (e) => this.release(e.subject, { correlationId: e.correlationId, causationId: e.id }))(message);
  }

  private async release(requestId: string, context: CommandContext): Promise<void> {
    const first = (await this.requests.current(requestId)).state;
    if (first.status === 'none') return;
    for (const planned of releasableFiles(first)) {
      // Re-read before every copy: a revocation may have landed since the last one.
      const { state } = await this.requests.current(requestId);
      if (state.status !== 'approved') return this.compensate(state);
      const file = state.files.find((f) => f.fileId === planned.fileId);
      if (!file || file.releasedKey || !file.quarantineKey) continue;
      if (!(await this.releaseFile(state, file, context))) return;
    }
  }

  /** False when the request failed or moved on: nothing more to release. */
  private async releaseFile(state: ExistingRequest, file: RequestFile, context: CommandContext): Promise<boolean> {
    const { requestId } = state;
    const releasedKey = releasedKeyOf(state, file);
    // Exports go to the released bucket, imports to the imported one (docs/adr/0012-imports.md).
    const destination = releaseDestination(state);
    let verifiedSha256: string;
    try {
      const copied = await inSpan(
        'release copy',
        { 'airlock.request_id': requestId, 'airlock.file_id': file.fileId, 'airlock.sha256': file.sha256 },
        async () => {
          const timer = egressReviewMetrics.releaseCopyDuration.startTimer();
          try {
            return await this.store.copy({ stage: 'quarantine', key: file.quarantineKey as string }, { stage: destination, key: releasedKey }, file.sha256);
          } finally {
            timer();
          }
        },
      );
      // The hash computed from the released copy itself: the domain's second check compares it with the frozen one.
      verifiedSha256 = copied.sha256;
    } catch (error) {
      const code = codeOf(error);
      // Invariant 2: changed or vanished frozen bytes fail the request for good (a retry cannot
      // bring them back); any other error (S3 down) is retried and the release waits.
      if (code !== 'HASH_MISMATCH' && code !== 'OBJECT_NOT_FOUND') throw error;
      await this.fail(
        requestId,
        code === 'HASH_MISMATCH' ? `file ${file.fileId} failed hash verification at release` : `file ${file.fileId} is missing from quarantine at release`,
        context,
      );
      return false;
    }
    try {
      const result = await this.requests.execute(
        requestId,
        (_s, at) => ({ type: 'ReleaseFile', actor: SYSTEM_ACTOR, at, data: { fileId: file.fileId, verifiedSha256, releasedKey } }),
        context,
      );
      if (result.events.length === 0) {
        // Revoked (or failed) between the copy and its record: the copy is backed by no event.
        await this.compensate(result.state);
        return false;
      }
    } catch (error) {
      if (codeOf(error) !== 'HASH_MISMATCH') throw error;
      await this.orphans.remove(destination, releasedKey, 'HASH_NOT_RELEASED', requestId);
      await this.fail(requestId, `file ${file.fileId} failed hash verification at release`, context);
      return false;
    }
    egressReviewMetrics.filesReleased.inc();
    this.logger.info({ requestId, fileId: file.fileId, sha256: verifiedSha256, destination }, 'file released');
    return true;
  }

  /** Removes the copies this worker may have made that no `FileReleased` event backs. */
  private async compensate(state: RequestState): Promise<void> {
    if (state.status === 'none' || state.status === 'released' || state.status === 'approved') return;
    for (const file of releasableFiles(state)) {
      if (file.releasedKey) continue; // recorded: the revocation worker withdraws it, with its event
      if (await this.orphans.remove(releaseDestination(state), releasedKeyOf(state, file), 'RELEASE_REVOKED', state.requestId)) {
        this.logger.warn(
          { requestId: state.requestId, fileId: file.fileId, status: state.status },
          'unrecorded released copy removed: the request moved on mid-release',
        );
      }
    }
  }

  private async fail(requestId: string, reason: string, context: CommandContext): Promise<void> {
    await this.requests.execute(requestId, (_s, at) => ({ type: 'FailRequest', actor: SYSTEM_ACTOR, at, data: { reason } }), context);
  }
}
