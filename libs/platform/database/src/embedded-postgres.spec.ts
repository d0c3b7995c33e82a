import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, type Db } from './db';
import { DatabaseUnavailableError, MigrationChangedError } from './database.errors';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { runMigrations } from './migrations';

describe('embedded postgres (PGlite over the wire protocol)', () => {
  let embedded: EmbeddedPostgres;
  let db: Db;

  beforeAll(async () => {
    embedded = await startEmbeddedPostgres();
    db = createDb({ url: embedded.url, max: 1 });
  }, 60_000);

  afterAll(async () => {
    await db.close();
    await embedded.stop();
  });

  it('answers queries through the ordinary pg driver', async () => {
    const { rows } = await db.query<{ answer: number }>('SELECT $1::int + 1 AS answer', [41]);
    expect(rows).toEqual([{ answer: 42 }]);
  });

  it('commits a transaction that resolves', async () => {
    await db.query('CREATE TABLE tx_commit (id text PRIMARY KEY)');
    await db.withTransaction(async (tx) => {
      await tx.query('INSERT INTO tx_commit VALUES ($1)', ['a']);
    });
    expect((await db.query('SELECT id FROM tx_commit')).rows).toEqual([{ id: 'a' }]);
  });

  it('rolls back a transaction that throws, and releases the one connection', async () => {
    await db.query('CREATE TABLE tx_rollback (id text PRIMARY KEY)');
    const failing = db.withTransaction(async (tx) => {
      await tx.query('INSERT INTO tx_rollback VALUES ($1)', ['a']);
      throw new Error('effect failed');
    });
    await expect(failing).rejects.toThrow('effect failed');
    // With max: 1 this would hang if the connection had not been released.
    expect((await db.query('SELECT id FROM tx_rollback')).rows).toEqual([]);
  });

  it('refuses a transaction handle used after its transaction ended', async () => {
    const escaped = await db.withTransaction(async (tx) => tx);
    await expect(escaped.query('SELECT 1')).rejects.toThrow('transaction already finished');
  });

  describe('migrations', () => {
    const migrations = [
      { id: 'spec-001-widgets', sql: 'CREATE TABLE widgets (id text PRIMARY KEY)' },
      { id: 'spec-002-widget-size', sql: 'ALTER TABLE widgets ADD COLUMN size int' },
    ];

    it('applies each migration once and records it', async () => {
      expect(await runMigrations(db, migrations)).toEqual(['spec-001-widgets', 'spec-002-widget-size']);
      expect(await runMigrations(db, migrations)).toEqual([]);
      const { rows } = await db.query<{ id: string }>("SELECT id FROM airlock_migrations WHERE id LIKE 'spec-%' ORDER BY id");
      expect(rows.map((row) => row.id)).toEqual(['spec-001-widgets', 'spec-002-widget-size']);
    });

    it('refuses to run when an applied migration was edited', async () => {
      const edited = [{ ...migrations[0], sql: 'CREATE TABLE widgets (id uuid PRIMARY KEY)' }];
      await expect(runMigrations(db, edited)).rejects.toBeInstanceOf(MigrationChangedError);
    });

    it('applies nothing of a batch when one migration fails', async () => {
      const batch = [
        { id: 'spec-003-gadgets', sql: 'CREATE TABLE gadgets (id text)' },
        { id: 'spec-004-broken', sql: 'ALTER TABLE no_such_table ADD COLUMN x int' },
      ];
      await expect(runMigrations(db, batch)).rejects.toThrow(/no_such_table/);
      const { rows } = await db.query("SELECT to_regclass('gadgets') AS gadgets");
      expect(rows).toEqual([{ gadgets: null }]);
    });
  });
});

describe('embedded postgres with a data directory', () => {
  it('keeps its data across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'airlock-pglite-'));
    try {
      for (const step of ['write', 'read'] as const) {
        const embedded = await startEmbeddedPostgres({ dataDir });
        const db = createDb({ url: embedded.url, max: 1 });
        try {
          if (step === 'write') await runMigrations(db, [{ id: 'spec-kept', sql: "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')" }]);
          else expect((await db.query('SELECT v FROM kept')).rows).toEqual([{ v: 'still here' }]);
        } finally {
          await db.close();
          await embedded.stop();
        }
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a database that cannot be reached', () => {
  it('reports DatabaseUnavailableError, for queries and transactions alike', async () => {
    const embedded = await startEmbeddedPostgres();
    await embedded.stop();
    const db = createDb({ url: embedded.url, max: 1, connectionTimeoutMillis: 1_000 });
    try {
      await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseUnavailableError);
      await expect(db.withTransaction(async () => 'never')).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    } finally {
      await db.close();
    }
  }, 60_000);
});
