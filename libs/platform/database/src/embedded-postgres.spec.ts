import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, type Db } from './db';
import { DatabaseUnavailableError, MigrationChangedError } from './database.errors';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { runLegacyMigrations } from './legacy-migrations';
import { MIGRATIONS_TABLE, runMigrations, sqlMigration } from './migrations';

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

  describe('TypeORM migrations', () => {
    const migrations = [
      sqlMigration('SpecGizmos1764547290001', 'CREATE TABLE gizmos (id text PRIMARY KEY)'),
      sqlMigration('SpecGizmoSize1764547290002', 'ALTER TABLE gizmos ADD COLUMN size int'),
    ];

    it("applies each migration once and records it in TypeORM's migrations table", async () => {
      expect(await runMigrations(db, migrations)).toEqual(['SpecGizmos1764547290001', 'SpecGizmoSize1764547290002']);
      expect(await runMigrations(db, migrations)).toEqual([]);
      const { rows } = await db.query<{ name: string; timestamp: string }>(
        `SELECT name, timestamp FROM ${MIGRATIONS_TABLE} WHERE name LIKE 'SpecGizmo%' ORDER BY id`,
      );
      expect(rows.map((row) => [row.name, Number(row.timestamp)])).toEqual([
        ['SpecGizmos1764547290001', 1764547290001],
        ['SpecGizmoSize1764547290002', 1764547290002],
      ]);
    });

    it('applies nothing of a batch when one migration fails', async () => {
      const batch = [
        sqlMigration('SpecDoohickeys1764547290003', 'CREATE TABLE doohickeys (id text)'),
        sqlMigration('SpecBroken1764547290004', 'ALTER TABLE no_such_table ADD COLUMN x int'),
      ];
      await expect(runMigrations(db, batch)).rejects.toThrow(/no_such_table/);
      const { rows } = await db.query(
        `SELECT to_regclass('doohickeys') AS doohickeys, (SELECT count(*)::int FROM ${MIGRATIONS_TABLE} WHERE name LIKE 'SpecDoohickeys%') AS recorded`,
      );
      expect(rows).toEqual([{ doohickeys: null, recorded: 0 }]);
    });
  });

  describe('the previous hand-written runner (kept to build previous-schema databases)', () => {
    const migrations = [
      { id: 'spec-001-widgets', sql: 'CREATE TABLE widgets (id text PRIMARY KEY)' },
      { id: 'spec-002-widget-size', sql: 'ALTER TABLE widgets ADD COLUMN size int' },
    ];

    it('applies each migration once and records it', async () => {
      expect(await runLegacyMigrations(db, migrations)).toEqual(['spec-001-widgets', 'spec-002-widget-size']);
      expect(await runLegacyMigrations(db, migrations)).toEqual([]);
      const { rows } = await db.query<{ id: string }>("SELECT id FROM airlock_migrations WHERE id LIKE 'spec-%' ORDER BY id");
      expect(rows.map((row) => row.id)).toEqual(['spec-001-widgets', 'spec-002-widget-size']);
    });

    it('refuses to run when an applied migration was edited', async () => {
      const edited = [{ ...migrations[0], sql: 'CREATE TABLE widgets (id uuid PRIMARY KEY)' }];
      await expect(runLegacyMigrations(db, edited)).rejects.toBeInstanceOf(MigrationChangedError);
    });

    it('applies nothing of a batch when one migration fails', async () => {
      const batch = [
        { id: 'spec-003-gadgets', sql: 'CREATE TABLE gadgets (id text)' },
        { id: 'spec-004-broken', sql: 'ALTER TABLE no_such_table ADD COLUMN x int' },
      ];
      await expect(runLegacyMigrations(db, batch)).rejects.toThrow(/no_such_table/);
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
          if (step === 'write')
            await runMigrations(db, [sqlMigration('SpecKept1764547290005', "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")]);
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
