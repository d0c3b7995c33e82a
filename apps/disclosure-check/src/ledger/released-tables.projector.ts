import { wireType, type EventEnvelope } from '@airlock/contracts';
import type { Queryable } from '@airlock/database';
import type { DisclosurePolicy, PartSnapshot } from '@airlock/disclosure-rules';
import type { FileReleased, RequestSubmitted } from '@airlock/domain';
import type { RequestCommandHandler } from '@airlock/application';
import type { ObjectStore } from '@airlock/storage';
import type { Logger } from 'pino';
import { domainOf, type ReleasedTables } from './released-tables.repository';

export const FILE_RELEASED = wireType('FileReleased');
const SUBMITTED = wireType('RequestSubmitted');
const REBUILD_PAGE = 100;

/**
 * Writes the ledger of released tables from FileReleased events (docs/adr/0010-released-tables-ledger.md).
 * The tables are the snapshots the check recorded for the released bytes (by SHA-256), one row
 * per table (a workbook's sheets, an archive's CSV members); a file released before snapshots
 * were kept is read again from the released bucket, its hash verified.
 * Idempotent: a redelivered event adds nothing, so it needs no consumer bookkeeping.
 */ import { readVerifiedSnapshot } from './verified-snapshot';

export class ReleasedTablesProjector {
  constructor(
    private readonly tables: ReleasedTables,
    private readonly requests: RequestCommandHandler,
    private readonly store: ObjectStore,
    private readonly policy: Pick<DisclosurePolicy, 'maxTableCells'>,
    private readonly logger: Logger,
  ) {}

  async project(envelope: EventEnvelope): Promise<void> {
    if (envelope.type !== FILE_RELEASED) return;
    const { requestId, fileId, turn, sha256, releasedKey, releasedAt, destination } = envelope.data as FileReleased['data'];
    // Imports came into the TRE: they are not outputs, so differencing never compares against them.
    if (destination === 'imported') return;
    const { state, envelopes } = await this.requests.load(requestId);
    if (state.status === 'none') return;
    const file = [...state.files, ...state.history.flatMap((t) => t.files)].find((f) => f.fileId === fileId);
    if (!file) return;
    const submitted = envelopes.find((e) => e.type === SUBMITTED && (e.data as RequestSubmitted['data']).turn === turn);
    const dataDomain = (submitted?.data as RequestSubmitted['data'] | undefined)?.disclosure?.dataDomain;
    const parts = (await this.tables.snapshots(sha256)) ?? (await this.reread(releasedKey, file.name, sha256));
    if (!parts) return;
    // One ledger row per table: a workbook's sheets and an archive's CSV members each.
    for (const { part, table } of parts) {
      await this.tables.add({
        eventId: envelope.id,
        domain: domainOf(state.projectId, dataDomain),
        projectId: state.projectId,
        requestId,
        fileId,
        turn,
        fileName: file.name,
        sha256,
        releasedAt,
        part,
        table,
      });
    }
    this.logger.info({ requestId, fileId, turn, tables: parts.length }, 'released tables added to the ledger');
  }

  /** Empties the ledger and replays every FileReleased event in the store, in order. */
  async rebuild(db: Queryable): Promise<number> {
    await this.tables.clear();
    let count = 0;
    for (let after = '0'; ;) {
      const { rows } = await db.query<{ global_position: string; envelope: EventEnvelope }>(
        `SELECT global_position, envelope FROM events WHERE type = $1 AND global_position > $2 ORDER BY global_position LIMIT ${REBUILD_PAGE}`,
        [FILE_RELEASED, after],
      );
      for (const row of rows) await this.project(row.envelope);
      count += rows.length;
      if (rows.length < REBUILD_PAGE) return count;
      after = rows[rows.length - 1].global_position;
    }
  }

  private async reread(releasedKey: string, name: string, sha256: string): Promise<PartSnapshot[] | null> {
    if (!(await this.store.head('released', releasedKey))) {
      this.logger.warn({ releasedKey }, 'released file no longer in the released bucket; its table is not in the ledger');
      return null;
    }
    const read = await readVerifiedSnapshot(this.store, 'released', releasedKey, { name, sha256 }, this.policy);
    if (read && !read.sha256Matches) {
      this.logger.error({ releasedKey }, 'released file does not match its SHA-256; its table is not in the ledger');
      return null;
    }
    return read?.parts ?? null;
  }
}
