import { createDb, runMigrations } from '@airlock/database';
import { ALL_MIGRATIONS } from './service-migrations';

// `npm run migrate`: applies every service's pending TypeORM migrations to AIRLOCK_DATABASE_URL (in
// AIRLOCK_DATABASE_SCHEMA if set), under the same advisory lock the services take when they migrate
// at start, so it is safe while they boot. A database of the previous hand-written runner is adopted
// (docs/adr/0007-typeorm-data-sources-and-migrations.md). The embedded database is migrated by the
// services themselves when they start.
async function main(): Promise<number> {
  const url = process.env.AIRLOCK_DATABASE_URL;
  if (!url) throw new Error('AIRLOCK_DATABASE_URL is required (the embedded database is migrated by the services at start)');
  const db = createDb({ url, max: 1, schema: process.env.AIRLOCK_DATABASE_SCHEMA, applicationName: 'airlock-migrate' });
  try {
    const applied = await runMigrations(db, ALL_MIGRATIONS);
    process.stdout.write(`${JSON.stringify({ applied }, null, 2)}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${String((error as Error)?.message ?? error)}\n`);
    process.exit(1);
  },
);
