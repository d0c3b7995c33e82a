import { realStack, uniqueId } from '@airlock/testing';
import { createDb } from './db';
import { runLegacyMigrations } from './legacy-migrations';
import { MigrationChangedError } from './database.errors';
import { AdoptingMigration, MIGRATION_CHECKSUMS_TABLE, MIGRATIONS_TABLE, runMigrations, sqlMigration, type MigrationClass } from './migrations';

describe('migrations on real PostgreSQL', () => {
  it('applies a migration once when several services boot at the same time', async () => {
    const table = uniqueId('boot_race').replace(/-/g, '_');
    const migrations = [
      sqlMigration(`${table}_1764547291001`, `CREATE TABLE ${table} (id text PRIMARY KEY)`),
      sqlMigration(`${table}_1764547291002`, `INSERT INTO ${table} VALUES ('seed')`),
    ];
    // One pool per "service", so the advisory lock really is contended across connections.
    const services = Array.from({ length: 5 }, () => createDb({ url: realStack().databaseUrl, max: 1 }));
    try {
      const applied = await Promise.all(services.map((db) => runMigrations(db, migrations)));
      expect(applied.flat().sort()).toEqual([`${table}_1764547291001`, `${table}_1764547291002`]);
      const { rows } = await services[0].query(`SELECT id FROM ${table}`);
      expect(rows).toEqual([{ id: 'seed' }]);
      const recorded = await services[0].query(`SELECT name FROM ${MIGRATIONS_TABLE} WHERE name LIKE $1 ORDER BY name`, [`${table}_%`]);
      expect(recorded.rows).toEqual([{ name: `${table}_1764547291001` }, { name: `${table}_1764547291002` }]);
    } finally {
      await Promise.all(services.map((db) => db.close()));
    }
  });
});

describe('a Db bound to a schema', () => {
  it('creates and finds its tables there', async () => {
    const schema = uniqueId('schema').replace(/-/g, '_');
    const admin = createDb({ url: realStack().databaseUrl, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const db = createDb({ url: realStack().databaseUrl, max: 2, schema });
    try {
      await runMigrations(db, [sqlMigration('SchemaThings1764547291003', 'CREATE TABLE things (id text)')]);
      const { rows } = await admin.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [schema]);
      expect(rows).toEqual([{ table_name: MIGRATION_CHECKSUMS_TABLE }, { table_name: 'things' }, { table_name: MIGRATIONS_TABLE }]);
    } finally {
      await db.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    }
  });
});

describe('a database migrated by the previous hand-written runner', () => {
  const legacy = (sql: string) => ({ id: 'widgets-001', sql });
  const widgets = 'CREATE TABLE widgets (id text PRIMARY KEY)';

  it('is adopted: the migration is recorded, not re-run, and the rows stay', async () => {
    const schema = uniqueId('adopt').replace(/-/g, '_');
    const admin = createDb({ url: realStack().databaseUrl, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const db = createDb({ url: realStack().databaseUrl, max: 2, schema });
    try {
      await runLegacyMigrations(db, [legacy(widgets)]);
      await db.query("INSERT INTO widgets VALUES ('kept')");
      // Plain `CREATE TABLE` would fail on an existing table: only adoption lets this pass.
      const Widgets: MigrationClass = class Widgets1764547291004 extends AdoptingMigration {
        readonly legacyId = 'widgets-001';
        readonly sql = widgets;
      };
      expect(await runMigrations(db, [Widgets])).toEqual(['Widgets1764547291004']);
      expect((await db.query('SELECT id FROM widgets')).rows).toEqual([{ id: 'kept' }]);
      // The old bookkeeping table goes with its last adopted row.
      expect((await db.query("SELECT to_regclass('airlock_migrations') AS legacy")).rows).toEqual([{ legacy: null }]);
    } finally {
      await db.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    }
  });
});

describe('an applied migration that was edited afterwards', () => {
  it('is refused at the next start with MIGRATION_CHANGED naming it, before anything else is applied', async () => {
    const schema = uniqueId('edited').replace(/-/g, '_');
    const admin = createDb({ url: realStack().databaseUrl, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const db = createDb({ url: realStack().databaseUrl, max: 2, schema });
    try {
      const first = sqlMigration('Gadgets1764547291005', 'CREATE TABLE gadgets (id text PRIMARY KEY)');
      expect(await runMigrations(db, [first])).toEqual(['Gadgets1764547291005']);
      const { rows } = await db.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM ${MIGRATION_CHECKSUMS_TABLE}`);
      expect(rows).toEqual(expect.arrayContaining([{ name: 'Gadgets1764547291005', checksum: expect.stringMatching(/^[0-9a-f]{64}$/) }]));
      // The same migration, unedited, starts again without complaint.
      expect(await runMigrations(db, [first])).toEqual([]);

      // Someone edits the applied migration (same name, other SQL) and adds a new one.
      const edited = sqlMigration('Gadgets1764547291005', 'CREATE TABLE gadgets (id text PRIMARY KEY, colour text)');
      const next = sqlMigration('Sprockets1764547291006', 'CREATE TABLE sprockets (id text)');
      const refused = runMigrations(db, [edited, next]);
      await expect(refused).rejects.toBeInstanceOf(MigrationChangedError);
      await expect(refused).rejects.toMatchObject({ code: 'MIGRATION_CHANGED', message: expect.stringContaining('Gadgets1764547291005') });
      // Nothing of the new one ran: refused before the executor.
      expect((await db.query("SELECT to_regclass('sprockets') AS t")).rows).toEqual([{ t: null }]);
    } finally {
      await db.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    }
  });
});
