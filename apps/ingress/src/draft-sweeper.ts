import type { AccessRecorder } from '@airlock/access-log';
import type { RequestCommandHandler } from '@airlock/application';
import { SYSTEM_ACTOR } from '@airlock/domain';
import { PeriodicJob } from '@airlock/runtime';
import type { ObjectStore, ResumableUploadStore } from '@airlock/storage';
import type { Logger } from 'pino';

export type DraftSweepSummary = { objects: number; deleted: number; uploadsAborted: number; manifestsDeleted: number };

export type DraftSweeperDeps = {
  store: ObjectStore;
  requests: Pick<RequestCommandHandler, 'load'>;
  logger: Logger;
  /** A draft no file of its request names may be an upload whose event is not written yet: left this long. */
  graceMs: number;
  /** Where the store takes uploads in parts: a resumable upload started longer ago than `uploadExpiryMs` is abandoned and aborted. */
  uploads?: ResumableUploadStore;
  uploadExpiryMs?: number;
  /** Each sweep that removes anything is recorded in the audit trail (docs/design.md invariant 5): what it deleted and aborted. */
  audit?: AccessRecorder;
  clock?: () => Date;
};

const DRAFT_KEY = /^requests\/([^/]+)\/draft\/[^/]+$/;
// The manifest beside a resumable upload (resumable-upload.service.ts).
const MANIFEST_KEY = /^requests\/([^/]+)\/uploads\/[^/]+$/;
const DEFAULT_UPLOAD_EXPIRY_MS = 24 * 3_600_000;

/**
 * No object the log does not account for (docs/design.md invariant 7), in the draft bucket: submit
 * deletes a request's drafts once their frozen copies are recorded, but a crash or a storage
 * failure in between leaves them behind. This sweep, at start and on a schedule, deletes a draft
 * whose file is frozen (its bytes are in quarantine, hash-verified) and, after the grace, one that
 * no file of its request names (an upload that failed before its event, or a removed file).
 */
export class DraftSweeper {
  private readonly clock: () => Date;
  private readonly job: PeriodicJob<DraftSweepSummary>;

  constructor(private readonly deps: DraftSweeperDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.job = new PeriodicJob('draft sweep', () => this.sweepOnce(), deps.logger);
  }

  start(intervalMs: number): void {
    this.job.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  sweep(): Promise<DraftSweepSummary> {
    return this.job.run();
  }

  private async sweepOnce(): Promise<DraftSweepSummary> {
    const now = this.clock();
    const drafts = await this.sweepDrafts();
    const uploads = await this.sweepUploads(now);
    const summary = { ...drafts, ...uploads };
    // A sweep that removed nothing leaves the trail alone; one that did says what and why.
    if (summary.deleted + summary.uploadsAborted + summary.manifestsDeleted === 0) return summary;
    await this.deps.audit?.record({
      kind: 'draftsSwept',
      actor: { userId: SYSTEM_ACTOR.userId, roles: SYSTEM_ACTOR.roles },
      action: 'drafts.sweep',
      outcome: 'succeeded',
      details: { ...summary, graceMs: this.deps.graceMs, uploadExpiryMs: this.uploadExpiryMs },
      at: now.toISOString(),
    });
    return summary;
  }

  private get uploadExpiryMs(): number {
    return this.deps.uploadExpiryMs ?? DEFAULT_UPLOAD_EXPIRY_MS;
  }

  /**
   * Abandoned resumable uploads: the store's open multipart uploads older than the expiry are
   * aborted (their parts go), and so are the manifests beside them.
   */
  private async sweepUploads(now: Date): Promise<{ uploadsAborted: number; manifestsDeleted: number }> {
    const { store, uploads, logger } = this.deps;
    if (!uploads) return { uploadsAborted: 0, manifestsDeleted: 0 };
    const cutoff = now.getTime() - this.uploadExpiryMs;
    let uploadsAborted = 0;
    for (const open of await uploads.listOpenUploads('draft', 'requests/')) {
      if (open.initiated.getTime() >= cutoff) continue;
      await uploads.abortUpload('draft', open.key, open.uploadId);
      uploadsAborted += 1;
      logger.info({ key: open.key, initiated: open.initiated.toISOString() }, 'abandoned upload aborted');
    }
    let manifestsDeleted = 0;
    for (const object of await store.list('draft', 'requests/')) {
      if (!MANIFEST_KEY.test(object.key) || object.lastModified.getTime() >= cutoff) continue;
      await store.delete('draft', object.key);
      manifestsDeleted += 1;
    }
    return { uploadsAborted, manifestsDeleted };
  }

  private async sweepDrafts(): Promise<{ objects: number; deleted: number }> {
    const { store, requests, logger, graceMs } = this.deps;
    const objects = await store.list('draft', 'requests/');
    const cutoff = this.clock().getTime() - graceMs;
    const byRequest = new Map<string, typeof objects>();
    for (const object of objects) {
      const requestId = DRAFT_KEY.exec(object.key)?.[1];
      if (!requestId) continue;
      const drafts = byRequest.get(requestId) ?? [];
      drafts.push(object);
      byRequest.set(requestId, drafts);
    }
    let deleted = 0;
    for (const [requestId, drafts] of byRequest) {
      const { state } = await requests.load(requestId);
      const files = state.status === 'none' ? [] : state.files;
      const frozen = new Set(files.filter((f) => f.quarantineKey).map((f) => f.draftKey));
      const named = new Set(files.map((f) => f.draftKey));
      for (const draft of drafts) {
        const unnamedAndOld = !named.has(draft.key) && draft.lastModified.getTime() < cutoff;
        if (!frozen.has(draft.key) && !unnamedAndOld) continue;
        await store.delete('draft', draft.key);
        deleted += 1;
        logger.info({ requestId, key: draft.key, reason: frozen.has(draft.key) ? 'frozen' : 'unnamed' }, 'draft swept');
      }
    }
    return { objects: objects.length, deleted };
  }
}
