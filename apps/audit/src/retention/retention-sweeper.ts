import type { AccessRecorder } from '@airlock/access-log';
import { SYSTEM_ACTOR } from '@airlock/contracts';
import type { Db } from '@airlock/database';
import type { RequestCommandHandler } from '@airlock/application';
import { PeriodicJob } from '@airlock/runtime';
import type { ObjectStore } from '@airlock/storage';
import type { Logger } from 'pino';
import type { RetentionDays } from '../audit.config';
import { META } from '../audit-log.migrations';
import { RETAINED_STATUSES, retentionDecision, terminalEventType, type ExpiringObject } from './retention.policy';

export { retentionEnabled } from './retention.policy';

export type RetentionSweeperDeps = {
  /** Owner connection: reads the audit table, keeps the sweep's own bookkeeping. */
  db: Db;
  store: ObjectStore;
  requests: Pick<RequestCommandHandler, 'load'>;
  accessLog: AccessRecorder;
  retention: RetentionDays;
  logger: Logger;
  clock?: () => Date;
  batchSize?: number;
};

export type SweepSummary = { requests: number; deleted: number; failed: number };

type DeletionRow = { state: 'deleting' | 'recorded'; sha256: string | null; version_id: string | null; size: string | null };
type Proof = { sha256: string; versionId: string | null; size?: number; outcome: 'succeeded' | 'failed'; reasonCode: string };

const DAY_MS = 24 * 3600 * 1000;

/**
 * Deletes the files of requests whose retention has run out, and records each deletion as an
 * `airlock.access.object-deleted.v1` event with the object's key, version and SHA-256 (proof of
 * deletion). The intent is written before the delete, so a crash in between still ends in a record.
 */
export class RetentionSweeper {
  private readonly clock: () => Date;
  private readonly job: PeriodicJob<SweepSummary>;

  constructor(private readonly deps: RetentionSweeperDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.job = new PeriodicJob('retention sweep', () => this.sweepOnce(), deps.logger);
  }

  /** Runs now and then every `intervalMs`. */
  start(intervalMs: number): void {
    this.job.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  sweep(): Promise<SweepSummary> {
    return this.job.run();
  }

  private async sweepOnce(): Promise<SweepSummary> {
    const summary: SweepSummary = { requests: 0, deleted: 0, failed: 0 };
    const now = this.clock();
    for (const requestId of await this.candidates(now)) {
      const { state, envelopes } = await this.deps.requests.load(requestId);
      const decision = retentionDecision(state, envelopes, now.toISOString(), this.deps.retention);
      if (!decision.expired) {
        // Moved on since (e.g. revoked), or kept for ever: nothing for retention to do, now or later.
        if (decision.reason !== 'not-yet') await this.markSwept(requestId);
        continue;
      }
      summary.requests += 1;
      const projectId = state.status === 'none' ? undefined : state.projectId;
      for (const object of decision.objects) {
        const proof = await this.deleteWithProof(requestId, projectId, object, {
          retentionDays: decision.retentionDays,
          terminalStatus: decision.status,
          terminalAt: decision.terminalAt,
          expiresAt: decision.expiresAt,
        });
        if (proof?.outcome === 'succeeded') summary.deleted += 1;
        else if (proof) summary.failed += 1;
      }
      await this.markSwept(requestId);
    }
    if (summary.requests > 0) this.deps.logger.info(summary, 'retention sweep');
    return summary;
  }

  /** Requests that reached a retained end longer ago than that end's retention, not yet swept. */
  private async candidates(now: Date): Promise<string[]> {
    const params: unknown[] = [];
    const bind = (value: unknown) => `$${params.push(value)}`;
    const conditions = RETAINED_STATUSES.flatMap((status) => {
      const days = this.deps.retention[status];
      if (days === undefined) return [];
      return [
        `(${META.type} LIKE ${bind(`${terminalEventType(status)}%`)} AND ${META.time} <= ${bind(new Date(now.getTime() - days * DAY_MS).toISOString())})`,
      ];
    });
    if (conditions.length === 0) return [];
    const { rows } = await this.deps.db.query<{ subject: string }>(
      `SELECT DISTINCT ${META.subject} AS subject FROM audit_records
       WHERE (${conditions.join(' OR ')}) AND NOT EXISTS (SELECT 1 FROM audit_retention_swept s WHERE s.request_id = ${META.subject})
       LIMIT ${bind(this.deps.batchSize ?? 200)}`,
      params,
    );
    return rows.map((r) => r.subject);
  }

  private async deleteWithProof(
    requestId: string,
    projectId: string | undefined,
    object: ExpiringObject,
    policy: Record<string, unknown>,
  ): Promise<Proof | undefined> {
    const { db, store } = this.deps;
    const { rows } = await db.query<DeletionRow>('SELECT state, sha256, version_id, size FROM audit_retention_deletions WHERE stage = $1 AND object_key = $2', [
      object.stage,
      object.key,
    ]);
    const previous = rows[0];
    if (previous?.state === 'recorded') return undefined;
    const stored = await store.head(object.stage, object.key);
    let proof: Proof;
    if (stored && stored.sha256 !== object.sha256) {
      // Not the bytes the request recorded: keep them for investigation, and say so.
      proof = { sha256: stored.sha256, versionId: stored.versionId ?? null, size: stored.size, outcome: 'failed', reasonCode: 'HASH_MISMATCH' };
    } else if (stored) {
      await db.query(
        `INSERT INTO audit_retention_deletions (stage, object_key, request_id, file_id, sha256, version_id, size, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'deleting') ON CONFLICT (stage, object_key) DO NOTHING`,
        [object.stage, object.key, requestId, object.fileId, stored.sha256, stored.versionId ?? null, stored.size],
      );
      await store.delete(object.stage, object.key);
      proof = { sha256: stored.sha256, versionId: stored.versionId ?? null, size: stored.size, outcome: 'succeeded', reasonCode: 'RETENTION_EXPIRED' };
    } else if (previous?.state === 'deleting') {
      // Deleted before a crash, not yet recorded: the intent row holds what was deleted.
      proof = {
        sha256: previous.sha256 ?? object.sha256,
        versionId: previous.version_id,
        size: previous.size === null ? undefined : Number(previous.size),
        outcome: 'succeeded',
        reasonCode: 'RETENTION_EXPIRED',
      };
    } else {
      proof = { sha256: object.sha256, versionId: null, outcome: 'failed', reasonCode: 'OBJECT_ALREADY_ABSENT' };
    }
    await db.withTransaction(async (tx) => {
      await this.deps.accessLog.record(
        {
          kind: 'objectDeleted',
          actor: { userId: SYSTEM_ACTOR.userId, roles: SYSTEM_ACTOR.roles },
          action: 'retention.delete',
          outcome: proof.outcome,
          reasonCode: proof.reasonCode,
          requestId,
          ...(projectId ? { projectId } : {}),
          file: {
            fileId: object.fileId,
            name: object.name,
            stage: object.stage,
            key: object.key,
            sha256: proof.sha256,
            versionId: proof.versionId,
            ...(proof.size !== undefined ? { size: proof.size } : {}),
          },
          details: policy,
          at: this.clock().toISOString(),
        },
        tx,
      );
      await tx.query(
        `INSERT INTO audit_retention_deletions (stage, object_key, request_id, file_id, sha256, version_id, size, state, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'recorded', now())
         ON CONFLICT (stage, object_key) DO UPDATE SET state = 'recorded', recorded_at = now()`,
        [object.stage, object.key, requestId, object.fileId, proof.sha256, proof.versionId, proof.size ?? null],
      );
    });
    return proof;
  }

  private async markSwept(requestId: string): Promise<void> {
    await this.deps.db.query('INSERT INTO audit_retention_swept (request_id) VALUES ($1) ON CONFLICT DO NOTHING', [requestId]);
  }
}
