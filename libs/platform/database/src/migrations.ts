import { createHash } from 'node:crypto';
import { Migration, MigrationExecutor, type DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { AdvisoryLockClass, SCHEMA_LOCK_KEY } from './advisory-locks';
import { MigrationChangedError } from './database.errors';
import type { Db } from './db';
import { LEGACY_MIGRATIONS_TABLE } from './legacy-migrations';

/** A TypeORM migration class; its name ends in the 13-digit timestamp that orders it. */
export type MigrationClass = new () => MigrationInterface;

/** TypeORM's table of applied migrations, in each service schema. */
export const MIGRATIONS_TABLE = 'typeorm_migrations';

/** Our own record of what each applied migration ran: TypeORM's table knows names only. */
export const MIGRATION_CHECKSUMS_TABLE = 'airlock_migration_checksums';

/**
 * Applies the given migrations not yet recorded in TypeORM's migrations table, in timestamp order,
 * in one transaction. Several services (and several instances of one) boot at once against one
 * database, so a transaction-scoped advisory lock, per schema, serialises them: the second waits,
 * then finds everything applied. Returns the names of the given migrations applied by this call.
 *
 * Each service passes the migrations of the tables it owns; they share the one migrations table.
 * Every call also brings MigrationChecksums1764547200000 (the checksums table) and checks each
 * given migration that was applied against the SHA-256 of its SQL recorded then: an applied
 * migration edited since is refused with MigrationChangedError before anything runs, so the
 * service does not start on a schema its code no longer describes.
 */
export async function runMigrations(db: Db, migrations: readonly MigrationClass[]): Promise<string[]> {
  const listed = [MigrationChecksums1764547200000, ...migrations.filter((Class) => Class !== MigrationChecksums1764547200000)];
  const checksums = new Map(listed.map((Class) => checksumOf(Class)));
  return db.withTransactionRunner(async (runner, dataSource) => {
    await runner.query(`SELECT pg_advisory_xact_lock($1, ${SCHEMA_LOCK_KEY})`, [AdvisoryLockClass.migrations]);
    await refuseChangedMigrations(runner, checksums);
    const executor = new ListedMigrationExecutor(dataSource, runner, listed);
    // "all" joins the transaction already open here: one lock, one commit, nothing half applied.
    executor.transaction = 'all';
    const applied = await executor.executePendingMigrations();
    await recordChecksums(runner, checksums);
    const given = new Set(migrations.map((Class) => nameOf(new Class(), Class)));
    return applied.map((migration) => migration.name).filter((name) => given.has(name));
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
      const name = nameOf(instance, Class);
      const timestamp = Number.parseInt(name.slice(-13), 10);
      if (!Number.isSafeInteger(timestamp) || timestamp <= 0) throw new Error(`migration ${name} must end in a 13-digit timestamp`);
      return new Migration(undefined, timestamp, name, instance);
    });
    this.checkForDuplicateMigrations(migrations);
    return migrations.sort((a, b) => a.timestamp - b.timestamp);
  }
}

const nameOf = (instance: MigrationInterface, Class: MigrationClass) => instance.name ?? Class.name;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
type QueryRows = <T>(runner: QueryRunner, sql: string, params?: unknown[]) => Promise<T[]>;
const rows: QueryRows = async <T>(runner: QueryRunner, sql: string, params: unknown[] = []) => (await runner.query(sql, params, true)).records as T[];

/**
 * A migration's name and the SHA-256 of the SQL it runs (its `sql`, as the services' migrations all
 * carry, through SqlMigration or sqlMigration). The SQL rather than the class's compiled source: the
 * same migration compiled by the tests, by `npm start` or into dist/ must have one checksum.
 */
function checksumOf(Class: MigrationClass): [string, string] {
  const instance = new Class() as MigrationInterface & { sql?: unknown };
  const name = nameOf(instance, Class);
  if (typeof instance.sql !== 'string') throw new Error(`migration ${name} has no \`sql\`: write it as a SqlMigration so that its checksum can be recorded`);
  return [name, sha256(instance.sql)];
}

async function refuseChangedMigrations(runner: QueryRunner, checksums: Map<string, string>): Promise<void> {
  const [{ present }] = await rows<{ present: boolean }>(runner, `SELECT to_regclass('${MIGRATION_CHECKSUMS_TABLE}') IS NOT NULL AS present`);
  if (!present) return;
  const recorded = await rows<{ name: string; checksum: string }>(
    runner,
    `SELECT name, checksum FROM ${MIGRATION_CHECKSUMS_TABLE} WHERE name = ANY($1::text[])`,
    [[...checksums.keys()]],
  );
  const changed = recorded.find(({ name, checksum }) => checksums.get(name) !== checksum);
  if (changed) throw new MigrationChangedError(changed.name);
}

/**
 * Records the checksum of every given migration that is applied and has none yet: those this call
 * applied, and those applied before checksums were recorded (taken as they are now, on first sight).
 */
async function recordChecksums(runner: QueryRunner, checksums: Map<string, string>): Promise<void> {
  await runner.query(
    `INSERT INTO ${MIGRATION_CHECKSUMS_TABLE} (name, checksum)
     SELECT given.name, given.checksum FROM unnest($1::text[], $2::text[]) AS given(name, checksum)
     WHERE EXISTS (SELECT 1 FROM ${MIGRATIONS_TABLE} applied WHERE applied.name = given.name)
     ON CONFLICT (name) DO NOTHING`,
    [[...checksums.keys()], [...checksums.values()]],
  );
}

/** A forward-only migration that runs its `sql`, whose SHA-256 is recorded once it is applied. */
export abstract class SqlMigration implements MigrationInterface {
  abstract readonly sql: string;

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(this.sql);
  }

  async down(): Promise<void> {
    throw new Error(`${this.constructor.name} is forward-only: restore a backup to go back`);
  }
}

/**
 * Our checksums table, brought by every runMigrations call, first of all. An applied migration's
 * name is TypeORM's (typeorm_migrations.name); `checksum` is the SHA-256 of its SQL.
 */
export class MigrationChecksums1764547200000 extends SqlMigration {
  readonly sql = `CREATE TABLE ${MIGRATION_CHECKSUMS_TABLE} (
      name text PRIMARY KEY,
      checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
      recorded_at timestamptz NOT NULL DEFAULT now()
    )`;
}

/**
 * A migration whose DDL the hand-written runner may already have applied (the "previous schema"):
 * if `airlock_migrations` records `legacyId`, the tables are there and hold data, so the DDL is
 * skipped and the migration is only recorded as applied; the legacy row is then removed, and the
 * legacy table with its last row. Otherwise the DDL runs as on a fresh database.
 */
export abstract class AdoptingMigration extends SqlMigration {
  /** The id this schema change had under the hand-written runner. */
  abstract readonly legacyId: string;

  override async up(runner: QueryRunner): Promise<void> {
    if (await adoptLegacy(runner, this.legacyId)) return;
    await super.up(runner);
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
  return class extends SqlMigration {
    readonly name = name;
    readonly sql = sql;
  };
}
