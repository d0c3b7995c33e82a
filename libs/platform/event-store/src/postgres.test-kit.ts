import { createDb, type Db } from '@airlock/database';

export type SchemaDbs = { open(max?: number): Db; dispose(): Promise<void> };

/**
 * Integration suites share one PostgreSQL with other engineers' suites and services, whose outbox
 * relays would publish our rows. Each suite works in a fresh schema of its own instead.
 */
export async function freshSchema(url: string, name: string): Promise<SchemaDbs> {
  const schema = `${name}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`.replace(/[^a-z0-9_]/g, '_');
  const admin = createDb({ url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const opened: Db[] = [];
  return {
    open: (max = 4) => {
      const db = createDb({ url, max, schema, applicationName: `test-${name}` });
      opened.push(db);
      return db;
    },
    dispose: async () => {
      await Promise.all(opened.map((db) => db.close()));
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    },
  };
}
