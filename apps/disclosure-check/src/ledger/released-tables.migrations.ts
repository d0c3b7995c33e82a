import { SqlMigration, type MigrationClass } from '@airlock/database';

/**
 * Disclosure-check's own tables (docs/adr/0010-released-tables-ledger.md), applied at start after
 * the event store's and the consumers' migrations:
 * - `disclosure_table_snapshots`: the count table the check read from each file, by the SHA-256
 *   of its bytes (a file's earlier turns and the ledger find it there);
 * - `released_tables`: the ledger, one row per released table, a projection of FileReleased
 *   events; `rebuildLedger` empties and replays it. Indexed by the keys the differencing checks
 *   match on, per data domain, so a check reads candidates, never the whole ledger.
 * A TypeORM migration (docs/adr/0007-typeorm-data-sources-and-migrations.md); new since the
 * hand-written runner, so there is no earlier schema to adopt.
 */
export class DisclosureCheckReleasedTables1764547200401 extends SqlMigration {
  readonly sql = `
      CREATE TABLE disclosure_table_snapshots (
        sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        snapshot jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE released_tables (
        id bigserial PRIMARY KEY,
        event_id text NOT NULL UNIQUE,
        domain text NOT NULL,
        project_id text NOT NULL,
        request_id text NOT NULL,
        file_id text NOT NULL,
        turn integer NOT NULL,
        file_name text NOT NULL,
        sha256 text NOT NULL,
        released_at timestamptz NOT NULL,
        row_key text NOT NULL,
        column_key text NOT NULL,
        row_axis text,
        column_axis text,
        snapshot jsonb NOT NULL,
        UNIQUE (request_id, file_id, turn)
      );
      CREATE INDEX released_tables_by_rows ON released_tables (domain, row_key, id);
      CREATE INDEX released_tables_by_columns ON released_tables (domain, column_key, id);
    `;
}

/**
 * A file can hold several tables (a workbook's sheets, an archive's CSV members): the ledger keeps
 * one row per table, `part` naming it (`sheet:<name>`, `member:<path>`; '' for a file that is one
 * table, as every row before this migration). The snapshots table needs nothing: its JSON holds
 * `{ parts: [...] }` for such files.
 */
export class DisclosureCheckReleasedTableParts1765108800402 extends SqlMigration {
  readonly sql = `
      ALTER TABLE released_tables ADD COLUMN part text NOT NULL DEFAULT '';
      ALTER TABLE released_tables DROP CONSTRAINT released_tables_event_id_key;
      ALTER TABLE released_tables DROP CONSTRAINT released_tables_request_id_file_id_turn_key;
      ALTER TABLE released_tables ADD CONSTRAINT released_tables_event_part_key UNIQUE (event_id, part);
      ALTER TABLE released_tables ADD CONSTRAINT released_tables_file_part_key UNIQUE (request_id, file_id, turn, part);
    `;
}

export const releasedTablesMigrations: readonly MigrationClass[] = [DisclosureCheckReleasedTables1764547200401, DisclosureCheckReleasedTableParts1765108800402];
