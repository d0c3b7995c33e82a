import { Migration, MigrationExecutor, type DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { AdvisoryLockClass, SCHEMA_LOCK_KEY } from './advisory-locks';
import type { Db } from './db';
import { LEGACY_MIGRATIONS_TABLE } from './legacy-migrations';

/** A TypeORM migration class; its name ends in the 13-digit timestamp that orders it. */
export type MigrationClass = new () => MigrationInterface;

/** TypeORM's table of applied migrations, in each service schema. */
export const MIGRATIONS_TABLE = 'typeorm_migrations';

/**
 * Applies the given migrations not yet recorded in TypeORM's migrations table, in timestamp order,
 * in one transaction. Several services (and several instances of one) boot at once against one
 * database, so a transaction-scoped advisory lock, per schema, serialises them: the second waits,
 * then finds everything applied. Returns the names applied by this call.
 *
 * Each service passes the migrations of the tables it owns; they share the one migrations table.
 */
export async function runMigrations(db: Db, migrations: readonly MigrationClass[]): Promise<string[]> {
  return db.withTransactionRunner(async (runner, dataSource) => {
    await runner.query(`SELECT pg_advisory_xact_lock($1, ${SCHEMA_LOCK_KEY})`, [AdvisoryLockClass.migrations]);
    const executor = new ListedMigrationExecutor(dataSource, runner, migrations);
    // "all" joins the transaction already open here: one lock, one commit, nothing half applied.
    executor.transaction = 'all';
    const applied = await executor.executePendingMigrations();
    return applied.map((migration) => migration.name);
  });
}

/** TypeORM's executor over an explicit list, rather than every migration the data source knows. */
class ListedMigrationExecutor extends MigrationExecutor {
  constructor(
    dataSource: DataSource,
    queryRunner: QueryRunner,
    private readonly listed: readonly MigrationClass[],
  ) {
    super(dataSource, queryRunner);
  }

  protected override getMigrations(): Migration[] {
    const migrations = this.listed.map((Class) => {
      const instance = new Class();
      const name = instance.name ?? Class.name;
      const timestamp = Number.parseInt(name.slice(-13), 10);
      if (!Number.isSafeInteger(timestamp) || timestamp <= 0) throw new Error(`migration ${name} must end in a 13-digit timestamp`);
      return new Migration(undefined, timestamp, name, instance);
    });
    this.checkForDuplicateMigrations(migrations);
    return migrations.sort((a, b) => a.timestamp - b.timestamp);
  }
}

/**
 * A migration whose DDL the hand-written runner may already have applied (the "previous schema"):
 * if `airlock_migrations` records `legacyId`, the tables are there and hold data, so the DDL is
 * skipped and the migration is only recorded as applied; the legacy row is then removed, and the
 * legacy table with its last row. Otherwise the DDL runs as on a fresh database.
 */
export abstract class AdoptingMigration implements MigrationInterface {
  /** The id this schema change had under the hand-written runner. */
  abstract readonly legacyId: string;
  abstract readonly sql: string;

  async up(runner: QueryRunner): Promise<void> {
    if (await adoptLegacy(runner, this.legacyId)) return;
    await runner.query(this.sql);
  }

  async down(): Promise<void> {
    throw new Error(`${this.constructor.name} is forward-only: restore a backup to go back`);
  }
}

async function adoptLegacy(runner: QueryRunner, legacyId: string): Promise<boolean> {
  const rows = async <T>(sql: string, params: unknown[] = []) => (await runner.query(sql, params, true)).records as T[];
  const [{ legacy }] = await rows<{ legacy: boolean }>(`SELECT to_regclass('${LEGACY_MIGRATIONS_TABLE}') IS NOT NULL AS legacy`);
  if (!legacy) return false;
  const adopted = await rows<{ id: string }>(`DELETE FROM ${LEGACY_MIGRATIONS_TABLE} WHERE id = $1 RETURNING id`, [legacyId]);
  if (adopted.length === 0) return false;
  const [{ remaining }] = await rows<{ remaining: number }>(`SELECT count(*)::int AS remaining FROM ${LEGACY_MIGRATIONS_TABLE}`);
  if (remaining === 0) await runner.query(`DROP TABLE ${LEGACY_MIGRATIONS_TABLE}`);
  return true;
}

/**
 * A migration class from a name and its SQL, for schema that belongs to one test suite (a read
 * model of its own). The name ends in a 13-digit timestamp, as TypeORM orders migrations by it.
 */
export function sqlMigration(name: string, sql: string): MigrationClass {
  return class implements MigrationInterface {
    readonly name = name;

    async up(runner: QueryRunner): Promise<void> {
      await runner.query(sql);
    }

    async down(): Promise<void> {
      throw new Error(`${name} is forward-only`);
    }
  };
}
