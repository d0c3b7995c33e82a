import { tableKeys, type ComparedTable, type PartSnapshot, type TableSnapshot } from '@airlock/disclosure-rules';
import type { Queryable } from '@airlock/database';

/** A released table as the ledger holds it. */
export type LedgerEntry = {
  eventId: string;
  domain: string;
  projectId: string;
  requestId: string;
  fileId: string;
  turn: number;
  fileName: string;
  sha256: string;
  releasedAt: string;
  /** The table within the file (a sheet, an archive member); absent when the file is one table. */
  part?: string;
  table: TableSnapshot;
};

type CandidateRow = { id: string; request_id: string; file_name: string; turn: number; released_at: Date | string; part: string; snapshot: TableSnapshot };

// A file that is one table is stored as its snapshot (as before files could hold several); one with
// several parts as { parts }.
type StoredSnapshot = TableSnapshot | { parts: PartSnapshot[] };

/** Candidates are read in pages of this many tables: memory holds one page, whatever the ledger's size. */
export const CANDIDATE_PAGE = 50;

/** The data domain of a project: the one its administrator named, else the project's own. */
export const domainOf = (projectId: string, dataDomain: string | undefined): string => dataDomain ?? `project:${projectId}`;

/** The ledger of released tables and the snapshots of checked files, in disclosure-check's database. */
export class ReleasedTables {
  constructor(private readonly db: Queryable) {}

  /** The tables read from a file's bytes, by their SHA-256 (none kept for a file without tables). */
  async saveSnapshots(sha256: string, parts: PartSnapshot[]): Promise<void> {
    if (parts.length === 0) return;
    const stored: StoredSnapshot = parts.length === 1 && parts[0].part === undefined ? parts[0].table : { parts };
    await this.db.query('INSERT INTO disclosure_table_snapshots (sha256, snapshot) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING', [
      sha256,
      JSON.stringify(stored),
    ]);
  }

  async snapshots(sha256: string): Promise<PartSnapshot[] | null> {
    const { rows } = await this.db.query<{ snapshot: StoredSnapshot }>('SELECT snapshot FROM disclosure_table_snapshots WHERE sha256 = $1', [sha256]);
    const stored = rows[0]?.snapshot;
    if (!stored) return null;
    return 'parts' in stored ? stored.parts : [{ table: stored }];
  }

  /** Adds a released table; a redelivered event adds nothing. */
  async add(entry: LedgerEntry): Promise<void> {
    const keys = tableKeys(entry.table);
    await this.db.query(
      `INSERT INTO released_tables
         (event_id, domain, project_id, request_id, file_id, turn, file_name, sha256, released_at, row_key, column_key, row_axis, column_axis, snapshot, part)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT DO NOTHING`,
      [
        entry.eventId,
        entry.domain,
        entry.projectId,
        entry.requestId,
        entry.fileId,
        entry.turn,
        entry.fileName,
        entry.sha256,
        entry.releasedAt,
        keys.rowKey,
        keys.columnKey,
        keys.rowAxis,
        keys.columnAxis,
        JSON.stringify(entry.table),
        entry.part ?? '',
      ],
    );
  }

  async clear(): Promise<void> {
    await this.db.query('DELETE FROM released_tables');
  }

  /**
   * The released tables of `domain` that can be compared with `table` (they share a key; see
   * tableKeys), one page at a time in id order. Requests other than `exceptRequestId` only.
   */
  async *candidates(domain: string, table: TableSnapshot, exceptRequestId: string): AsyncGenerator<ComparedTable> {
    const k = tableKeys(table);
    for (let after = '0'; ;) {
      const { rows } = await this.db.query<CandidateRow>(
        `SELECT id, request_id, file_name, turn, released_at, part, snapshot FROM released_tables
          WHERE domain = $1 AND id > $2 AND request_id <> $3 AND (
                (column_key = $4 AND row_axis = $5)
             OR (row_key = $6 AND column_axis = $7)
             OR (row_key = $6 AND column_key = $4)
             OR ($8 AND (row_key = $6 OR row_key = $9)))
          ORDER BY id LIMIT ${CANDIDATE_PAGE}`,
        [domain, after, exceptRequestId, k.columnKey, k.rowAxis, k.rowKey, k.columnAxis, k.suppressed, k.columnsAsRowsKey],
      );
      for (const row of rows) {
        const releasedAt = row.released_at instanceof Date ? row.released_at.toISOString() : String(row.released_at);
        const origin = { relation: 'released' as const, requestId: row.request_id, fileName: row.file_name, turn: row.turn, releasedAt };
        yield { origin: row.part === '' ? origin : { ...origin, part: row.part }, table: row.snapshot };
      }
      if (rows.length < CANDIDATE_PAGE) return;
      after = rows[rows.length - 1].id;
    }
  }
}
