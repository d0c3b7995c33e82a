// The workspace lint rule has no exception for tests of adapters; the helpers are test-only.
// eslint-disable-next-line @nx/enforce-module-boundaries
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
