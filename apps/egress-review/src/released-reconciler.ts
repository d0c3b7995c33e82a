import { wireType } from '@airlock/contracts';
import type { Queryable } from '@airlock/database';
import type { ReleaseDestination } from '@airlock/domain';
import { PeriodicJob } from '@airlock/runtime';
import type { ObjectStore } from '@airlock/storage';
import type { Logger } from 'pino';
import type { OrphanRemover } from './orphan-remover';

export type ReconcileSummary = { objects: number; removed: number; missing: string[] };

export type ReleasedReconcilerDeps = {
  /** Reads the event log (the `events` table of @airlock/event-store). */
  db: Queryable;
  store: ObjectStore;
  orphans: OrphanRemover;
  logger: Logger;
  /** An object younger than this may be a release between its copy and its event: left for the next run. */
  graceMs: number;
  clock?: () => Date;
  /** Reports the files the log says are released that the bucket lacks (a gauge). */
  onMissing?: (count: number) => void;
};

const FILE_RELEASED = wireType('FileReleased');
const FILE_WITHDRAWN = wireType('ReleasedFileWithdrawn');
const REQUEST_REVOKED = wireType('RequestRevoked');
const REQUEST_OF_KEY = /^requests\/([^/]+)\//;

/**
 * docs/design.md invariant 7: the released bucket is the log (and so is the imported one). Compares the bucket with the event log;
 * an object no `FileReleased` event backs (for its key and exact hash, and not revoked) is removed
 * and the removal audited; a released file the bucket lacks is reported (alert-level log and metric),
 * never invented.
 */
export class ReleasedReconciler {
  private readonly clock: () => Date;
  private readonly job: PeriodicJob<ReconcileSummary>;

  constructor(private readonly deps: ReleasedReconcilerDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.job = new PeriodicJob('released bucket reconciliation', () => this.reconcileOnce(), deps.logger);
  }

  /** Runs now and then every `intervalMs`. */
  start(intervalMs: number): void {
    this.job.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  reconcile(): Promise<ReconcileSummary> {
    return this.job.run();
  }

  /** Both buckets the log puts approved files in: released (exports) and imported (docs/adr/0012-imports.md). */
  private async reconcileOnce(): Promise<ReconcileSummary> {
    const released = await this.reconcileBucket('released');
    const imported = await this.reconcileBucket('imported');
    return { objects: released.objects + imported.objects, removed: released.removed + imported.removed, missing: [...released.missing, ...imported.missing] };
  }

  private async reconcileBucket(bucket: ReleaseDestination): Promise<ReconcileSummary> {
    const { store, orphans, logger, graceMs } = this.deps;
    const { expected, revoked } = await this.releasedByLog(bucket);
    const listed = await store.list(bucket, '');
    const cutoff = this.clock().getTime() - graceMs;
    let removed = 0;
    for (const object of listed) {
      if (object.lastModified.getTime() > cutoff) continue;
      const sha256 = expected.get(object.key);
      const requestId = REQUEST_OF_KEY.exec(object.key)?.[1];
      if (sha256 === undefined) {
        // A revoked request's leftover is a withdrawal the sweep did not finish, not an unknown object.
        const reason = requestId && revoked.has(requestId) ? 'RELEASE_REVOKED' : 'NO_RELEASE_EVENT';
        if (await orphans.remove(bucket, object.key, reason, requestId)) removed += 1;
        continue;
      }
      const found = await store.head(bucket, object.key);
      if (found && found.sha256 !== sha256 && (await orphans.remove(bucket, object.key, 'HASH_NOT_RELEASED', requestId))) removed += 1;
    }
    const present = new Set(listed.map((o) => o.key));
    const missing = [...expected.keys()].filter((key) => !present.has(key));
    this.deps.onMissing?.(missing.length);
    // Alert: the log says these left the airlock, and the bucket no longer has them.
    if (missing.length > 0)
      logger.error({ alert: true, bucket, missing: missing.slice(0, 100), count: missing.length }, `released files missing from the ${bucket} bucket`);
    const summary = { objects: listed.length, removed, missing };
    if (removed > 0) logger.warn({ bucket, removed, objects: listed.length }, `${bucket} bucket reconciled`);
    return summary;
  }

  /**
   * key → SHA-256 of every file the log says is in the released bucket now, read from the events
   * in one query (no request is loaded): released, not withdrawn, and its request not revoked.
   * Also the requests that were revoked, whose leftovers the revocation sweep owns.
   */
  private async releasedByLog(bucket: ReleaseDestination): Promise<{ expected: Map<string, string>; revoked: Set<string> }> {
    // A FileReleased without a destination predates imports: it went to the released bucket.
    const { rows } = await this.deps.db.query<{ key: string; sha256: string }>(
      `SELECT r.envelope #>> '{data,releasedKey}' AS key, r.envelope #>> '{data,sha256}' AS sha256 FROM events r
        WHERE r.type = $1 AND COALESCE(r.envelope #>> '{data,destination}', 'released') = $4
          AND NOT EXISTS (SELECT 1 FROM events w WHERE w.stream_id = r.stream_id AND w.type = $2 AND w.envelope #>> '{data,releasedKey}' = r.envelope #>> '{data,releasedKey}')
          AND NOT EXISTS (SELECT 1 FROM events v WHERE v.stream_id = r.stream_id AND v.type = $3)`,
      [FILE_RELEASED, FILE_WITHDRAWN, REQUEST_REVOKED, bucket],
    );
    const revoked = await this.deps.db.query<{ subject: string }>(`SELECT DISTINCT envelope->>'subject' AS subject FROM events WHERE type = $1`, [
      REQUEST_REVOKED,
    ]);
    return { expected: new Map(rows.map((r) => [r.key, r.sha256])), revoked: new Set(revoked.rows.map((r) => r.subject)) };
  }
}
