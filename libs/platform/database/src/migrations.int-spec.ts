import { realStack, uniqueId } from '@airlock/testing';
import { createDb } from './db';
import { runMigrations } from './migrations';

describe('migrations on real PostgreSQL', () => {
  it('applies a migration once when several services boot at the same time', async () => {
    const table = uniqueId('boot_race').replace(/-/g, '_');
    const migrations = [
      { id: `${table}-001`, sql: `CREATE TABLE ${table} (id text PRIMARY KEY)` },
      { id: `${table}-002`, sql: `INSERT INTO ${table} VALUES ('seed')` },
    ];
    // One pool per "service", so the advisory lock really is contended across connections.
    const services = Array.from({ length: 5 }, () => createDb({ url: realStack().databaseUrl, max: 1 }));
    try {
      const applied = await Promise.all(services.map((db) => runMigrations(db, migrations)));
      expect(applied.flat().sort()).toEqual([`${table}-001`, `${table}-002`]);
      const { rows } = await services[0].query(`SELECT id FROM ${table}`);
      expect(rows).toEqual([{ id: 'seed' }]);
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
      await runMigrations(db, [{ id: 'schema-001', sql: 'CREATE TABLE things (id text)' }]);
      const { rows } = await admin.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [schema]);
      expect(rows).toEqual([{ table_name: 'airlock_migrations' }, { table_name: 'things' }]);
    } finally {
      await db.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    }
  });
});
