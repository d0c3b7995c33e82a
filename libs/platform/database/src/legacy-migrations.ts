import { createHash } from 'node:crypto';
import { AdvisoryLockClass, SCHEMA_LOCK_KEY } from './advisory-locks';
import { MigrationChangedError } from './database.errors';
import type { Db, DbTx } from './db';

// The hand-written runner the services used before TypeORM migrations (its bookkeeping table is
// `airlock_migrations`). No service runs it any more: it stays to build "previous schema" databases
// in tests, which the TypeORM migrations must adopt (docs/adr/0007-typeorm-data-sources-and-migrations.md).

/** A forward-only schema change. `id` is recorded once applied; never edit an applied migration. */
export type LegacyMigration = { id: string; sql: string };

export const LEGACY_MIGRATIONS_TABLE = 'airlock_migrations';

const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS airlock_migrations (
    id text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

/**
 * Applies the migrations not yet recorded, in order, in one transaction. Several services boot at
 * once against one database, so a transaction-scoped advisory lock serialises them: the second
 * waits, then finds everything applied. Returns the ids applied by this call.
 */
export async function runLegacyMigrations(db: Db, migrations: readonly LegacyMigration[]): Promise<string[]> {
  return db.withTransaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1, ${SCHEMA_LOCK_KEY})`, [AdvisoryLockClass.migrations]);
    await tx.query(CREATE_MIGRATIONS_TABLE);
    const applied = await appliedChecksums(tx);
    const appliedNow: string[] = [];
    for (const migration of migrations) {
      const checksum = sha256(migration.sql);
      const known = applied.get(migration.id);
      if (known !== undefined) {
        if (known !== checksum) throw new MigrationChangedError(migration.id);
        continue;
      }
      await tx.query(migration.sql);
      await tx.query('INSERT INTO airlock_migrations (id, checksum) VALUES ($1, $2)', [migration.id, checksum]);
      appliedNow.push(migration.id);
    }
    return appliedNow;
  });
}

async function appliedChecksums(tx: DbTx): Promise<Map<string, string>> {
  const { rows } = await tx.query<{ id: string; checksum: string }>('SELECT id, checksum FROM airlock_migrations');
  return new Map(rows.map((row) => [row.id, row.checksum]));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
