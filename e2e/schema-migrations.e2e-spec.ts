import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  AdoptingMigration,
  createDb,
  LEGACY_MIGRATIONS_TABLE,
  MIGRATION_CHECKSUMS_TABLE,
  MIGRATIONS_TABLE,
  runLegacyMigrations,
  runMigrations,
  type Db,
  type MigrationClass,
} from '@airlock/database';
import { realStack, uniqueId } from '@airlock/testing';
// tools/ is no Nx project; the per-service migration lists live there because `npm run migrate` (tools/migrate.ts) uses them too.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { ALL_MIGRATIONS, SERVICE_MIGRATIONS } from '../tools/service-migrations';

// Issue 12: a database made by the previous hand-written runner and a fresh one end identical once
// the services have run their TypeORM migrations (docs/adr/0007-typeorm-data-sources-and-migrations.md).
// Each case works in a schema of its own on the stack's real PostgreSQL.

type Schema = { name: string; db: Db };

const admin = () => createDb({ url: realStack().databaseUrl, max: 1 });
const opened: Db[] = [];
const schemas: string[] = [];

async function freshSchema(label: string): Promise<Schema> {
  const name = uniqueId(label).replace(/[^a-z0-9_]/g, '_');
  const db = admin();
  await db.query(`CREATE SCHEMA ${name}`);
  await db.close();
  schemas.push(name);
  return { name, db: open(name) };
}

function open(schema: string): Db {
  const db = createDb({ url: realStack().databaseUrl, max: 2, schema });
  opened.push(db);
  return db;
}

/**
 * The previous runner's (id, SQL) list, read from the migrations that adopt it: the same DDL. A
 * migration written after the move to TypeORM (no previous-runner id, e.g. disclosure-check's
 * released-tables ledger) never ran under the previous runner; the upgrade creates its tables.
 */
function legacyList(migrations: readonly MigrationClass[]) {
  return migrations
    .map((Class) => new Class())
    .filter((migration): migration is AdoptingMigration => migration instanceof AdoptingMigration)
    .map((migration) => ({ id: migration.legacyId, sql: migration.sql }));
}

/** Every service starts at once, each running its own migrations through its own data source. */
async function startServices(schema: string): Promise<string[]> {
  const applied = await Promise.all(Object.values(SERVICE_MIGRATIONS).map((migrations) => runMigrations(open(schema), migrations)));
  return applied.flat().sort();
}

const CATALOGUE: Record<string, string> = {
  relations: `SELECT c.relname AS name, c.relkind AS kind, c.relpersistence AS persistence, coalesce(c.relacl::text, '') AS acl
    FROM pg_class c WHERE c.relnamespace = $1::regnamespace ORDER BY 1`,
  columns: `SELECT table_name, column_name, ordinal_position, data_type, udt_name, column_default, is_nullable, is_generated, generation_expression, character_maximum_length
    FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1, 3`,
  indexes: `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY 1, 2`,
  constraints: `SELECT rel.relname AS table_name, con.conname, con.contype, pg_get_constraintdef(con.oid) AS definition
    FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid WHERE con.connamespace = $1::regnamespace ORDER BY 1, 2`,
  triggers: `SELECT rel.relname AS table_name, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid) AS definition
    FROM pg_trigger t JOIN pg_class rel ON rel.oid = t.tgrelid WHERE rel.relnamespace = $1::regnamespace AND NOT t.tgisinternal ORDER BY 1, 2`,
  functions: `SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args, pg_get_functiondef(p.oid) AS definition, coalesce(p.proacl::text, '') AS acl
    FROM pg_proc p WHERE p.pronamespace = $1::regnamespace ORDER BY 1, 2`,
  schemaGrants: `SELECT coalesce(nspacl::text, '') AS acl FROM pg_namespace WHERE oid = $1::regnamespace`,
  migrations: `SELECT name, timestamp FROM ${MIGRATIONS_TABLE} ORDER BY timestamp`,
};

/** The schema's catalogue: tables, sequences, columns (types, defaults, nullability, generation), indexes, constraints, triggers, functions, grants. */
async function catalogue({ name, db }: Schema): Promise<Record<string, unknown[]>> {
  const dump: Record<string, unknown[]> = {};
  for (const [part, sql] of Object.entries(CATALOGUE)) {
    const { rows } = await db.query(sql, part === 'migrations' ? [] : [name]);
    // Definitions name their schema; the two schemas differ only in that name.
    dump[part] = JSON.parse(JSON.stringify(rows).split(name).join('<schema>')) as unknown[];
  }
  return dump;
}

/** Rows of every kind of table, written before the upgrade, must all be there after it. */
async function writeRows(db: Db): Promise<void> {
  const id = randomUUID();
  await db.query(`INSERT INTO events (event_id, stream_id, stream_version, type, envelope) VALUES ($1, $2, 1, 'airlock.request.created.v1', '{}')`, [
    id,
    `request-${id}`,
  ]);
  await db.query(`INSERT INTO outbox (event_id, topic, key, payload) VALUES ($1, 'airlock.request-events.v1', $2, '{}')`, [id, `request-${id}`]);
  await db.query(`INSERT INTO handled_events (consumer, event_id) VALUES ('test.consumer', $1)`, [id]);
  await db.query(
    `INSERT INTO review_requests (request_id, project_id, author_id, title, status, turn, version, file_count, verdicts) VALUES ($1, 'p-1', 'u-1', 't', 'submitted', 1, 1, 0, '{}')`,
    [id],
  );
  await db.query(`INSERT INTO audit_retention_swept (request_id) VALUES ($1)`, [id]);
  await db.query(`INSERT INTO audit_publication (topic, position) VALUES ('airlock.audit.v1', 0)`);
}

const COUNTED = ['events', 'outbox', 'handled_events', 'review_requests', 'audit_retention_swept', 'audit_publication'];

async function counts(db: Db): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const table of COUNTED) result[table] = Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);
  return result;
}

afterAll(async () => {
  await Promise.all(opened.map((db) => db.close()));
  const db = admin();
  for (const schema of schemas) await db.query(`DROP SCHEMA ${schema} CASCADE`);
  await db.close();
});

describe('TypeORM migrations on real PostgreSQL', () => {
  let fresh: Schema;
  let freshCatalogue: Record<string, unknown[]>;

  beforeAll(async () => {
    fresh = await freshSchema('fresh');
    expect(await startServices(fresh.name)).toEqual(ALL_MIGRATIONS.map((Class) => Class.name).sort());
    freshCatalogue = await catalogue(fresh);
  });

  it('build a fresh database with every table, and record each migration once', () => {
    const tables = (freshCatalogue.relations as { name: string; kind: string }[]).filter((r) => r.kind === 'r').map((r) => r.name);
    expect(tables).toEqual(
      [
        'audit_checkpoints',
        'audit_publication',
        'audit_records',
        'audit_retention_deletions',
        'audit_retention_swept',
        'airlock_migration_checksums',
        'disclosure_table_snapshots',
        'events',
        'handled_events',
        'outbox',
        'released_tables',
        'review_requests',
        MIGRATIONS_TABLE,
      ].sort(),
    );
    expect(freshCatalogue.migrations).toHaveLength(ALL_MIGRATIONS.length);
    expect((freshCatalogue.triggers as { tgname: string }[]).map((t) => t.tgname)).toEqual(
      expect.arrayContaining(['events_append_only', 'events_no_truncate', 'audit_records_append_only', 'audit_checkpoints_no_truncate']),
    );
  });

  it('upgrade a database of the previous runner, with its rows, to the same catalogue', async () => {
    const previous = await freshSchema('previous');
    await runLegacyMigrations(previous.db, legacyList(ALL_MIGRATIONS));
    await writeRows(previous.db);
    const before = await counts(previous.db);

    expect(await startServices(previous.name)).toEqual(ALL_MIGRATIONS.map((Class) => Class.name).sort());

    expect(await catalogue(previous)).toEqual(freshCatalogue);
    expect(await counts(previous.db)).toEqual(before);
    expect(Object.values(before).every((n) => n === 1)).toBe(true);
    // The append-only guard survived the adoption: it is the catalogue's, not re-created.
    await expect(previous.db.query('DELETE FROM events')).rejects.toMatchObject({ code: '42501' });
  });

  it('upgrade a database the previous runner had only partly migrated (no audit or review tables yet) to the same catalogue', async () => {
    const partial = await freshSchema('partial');
    await runLegacyMigrations(partial.db, legacyList(SERVICE_MIGRATIONS.ingress));
    await startServices(partial.name);
    expect(await catalogue(partial)).toEqual(freshCatalogue);
    expect((await partial.db.query(`SELECT to_regclass('${LEGACY_MIGRATIONS_TABLE}') AS legacy`)).rows).toEqual([{ legacy: null }]);
  });

  it('apply nothing a second time when the services start again', async () => {
    expect(await startServices(fresh.name)).toEqual([]);
    expect(await catalogue(fresh)).toEqual(freshCatalogue);
  });

  it('refuse to start on a database where an applied migration changed: `npm run migrate` exits non-zero naming it, and applies nothing', async () => {
    const schema = await freshSchema('edited');
    const migrate = () =>
      spawnSync(process.execPath, ['-r', '@swc-node/register', 'tools/migrate.ts'], {
        cwd: path.resolve(__dirname, '..'),
        env: { PATH: process.env.PATH, HOME: process.env.HOME, AIRLOCK_DATABASE_URL: realStack().databaseUrl, AIRLOCK_DATABASE_SCHEMA: schema.name },
        encoding: 'utf8',
        timeout: 120_000,
      });
    expect(migrate()).toMatchObject({ status: 0 });
    const recorded = await schema.db.query<{ name: string }>(`SELECT name FROM ${MIGRATION_CHECKSUMS_TABLE} ORDER BY name`);
    expect(recorded.rows.map((row) => row.name)).toEqual(ALL_MIGRATIONS.map((Class) => Class.name).sort());
    // The checksum recorded when it was applied no longer matches the code: as if the migration had been edited since.
    const edited = 'AuditChain1764547200201';
    await schema.db.query(`UPDATE ${MIGRATION_CHECKSUMS_TABLE} SET checksum = $2 WHERE name = $1`, [edited, 'f'.repeat(64)]);
    const before = await catalogue(schema);
    const refused = migrate();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`migration ${edited} was changed after it was applied`);
    expect(await catalogue(schema)).toEqual(before);
  }, 240_000);
});
