import type { RequestCommandHandler } from '@airlock/application';
import { PeriodicJob } from '@airlock/runtime';
import type { ObjectStore } from '@airlock/storage';
import type { Logger } from 'pino';

export type DraftSweepSummary = { objects: number; deleted: number };

export type DraftSweeperDeps = {
  store: ObjectStore;
  requests: Pick<RequestCommandHandler, 'load'>;
  logger: Logger;
  /** A draft no file of its request names may be an upload whose event is not written yet: left this long. */
  graceMs: number;
  clock?: () => Date;
};

const DRAFT_KEY = /^requests\/([^/]+)\/draft\/[^/]+$/;

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
