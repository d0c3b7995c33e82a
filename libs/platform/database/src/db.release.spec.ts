import { QueryRunnerAlreadyReleasedError, type DataSource, type QueryRunner } from 'typeorm';
import { DatabaseUnavailableError } from './database.errors';
import { Db } from './db';

// Pure unit test of Db's connection handling over a stand-in data source: when the server drops a
// connection mid-query, the caller gets DATABASE_UNAVAILABLE (503), the broken connection is
// destroyed rather than pooled, and a release that itself throws never replaces that error.

function fakeDb(runner: Partial<QueryRunner> & Record<string, unknown>): Db {
  const dataSource = { initialize: async () => dataSource, createQueryRunner: () => runner as QueryRunner } as unknown as DataSource;
  return new Db(dataSource);
}

const dropped = () => Object.assign(new Error('Connection terminated unexpectedly'), {});

describe('Db over a connection the server dropped', () => {
  it('answers DATABASE_UNAVAILABLE and destroys the connection instead of pooling it', async () => {
    const released: (Error | undefined)[] = [];
    const db = fakeDb({
      query: async () => {
        throw dropped();
      },
      release: async () => void released.push(undefined),
      releasePostgresConnection: async (error?: Error) => void released.push(error),
    });
    await expect(db.query('select 1')).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(released).toHaveLength(1);
    expect(released[0]).toBeInstanceOf(DatabaseUnavailableError);
  });

  it('keeps DATABASE_UNAVAILABLE when releasing the dead connection throws too', async () => {
    const db = fakeDb({
      query: async () => {
        throw dropped();
      },
      release: async () => {
        throw new Error('Release called on client which has already been released to the pool.');
      },
      releasePostgresConnection: async () => {
        throw new Error('Release called on client which has already been released to the pool.');
      },
    });
    await expect(db.query('select 1')).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });

  it('keeps DATABASE_UNAVAILABLE from a transaction whose rollback and release fail on the dead connection', async () => {
    let active = false;
    const db = fakeDb({
      connect: async () => undefined,
      startTransaction: async () => {
        active = true;
      },
      get isTransactionActive() {
        return active;
      },
      query: async () => {
        throw dropped();
      },
      rollbackTransaction: async () => {
        throw dropped();
      },
      release: async () => {
        throw new Error('Client was closed and is not queryable');
      },
      releasePostgresConnection: async () => {
        throw new Error('Client was closed and is not queryable');
      },
    });
    await expect(db.withTransaction((tx) => tx.query('insert into t values (1)'))).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });

  it('returns a healthy connection to the pool after a query', async () => {
    const released: string[] = [];
    const db = fakeDb({
      query: async () => ({ records: [{ one: 1 }], affected: 1, raw: [] }) as never,
      release: async () => void released.push('pooled'),
      releasePostgresConnection: async () => void released.push('destroyed'),
    });
    await expect(db.query('select 1 as one')).resolves.toEqual({ rows: [{ one: 1 }], rowCount: 1 });
    expect(released).toEqual(['pooled']);
  });
});

// PostgresQueryRunner listens for its connection's 'error' event and releases itself on it: a
// connection the server terminates (57P01) while a transaction waits between statements (the
// ingress freeze lock holds one across the whole freeze) leaves a runner whose next statement,
// COMMIT included, throws QueryRunnerAlreadyReleasedError instead of the connection's error.
describe('Db over a transaction whose connection the server dropped between statements', () => {
  function releasedUnderTransaction() {
    let active = false;
    let released = false;
    const ifConnected = async <T>(result: T): Promise<T> => {
      if (released) throw new QueryRunnerAlreadyReleasedError();
      return result;
    };
    const runner = {
      connect: async () => undefined,
      startTransaction: async () => {
        active = true;
      },
      get isTransactionActive() {
        return active;
      },
      query: () => ifConnected({ records: [{ locked: true }], affected: 1, raw: [] }),
      commitTransaction: () => ifConnected(undefined),
      rollbackTransaction: () => ifConnected(undefined),
      release: async () => undefined,
      releasePostgresConnection: async () => undefined,
    };
    // What TypeORM's 'error' listener does to the runner.
    const dropConnection = () => {
      released = true;
    };
    return { db: fakeDb(runner as unknown as Partial<QueryRunner> & Record<string, unknown>), dropConnection };
  }

  it('answers DATABASE_UNAVAILABLE when COMMIT finds the runner released', async () => {
    const { db, dropConnection } = releasedUnderTransaction();
    const outcome = db.withTransaction(async (tx) => {
      await tx.query('SELECT pg_try_advisory_xact_lock(1, 2) AS locked');
      dropConnection();
      return 'frozen';
    });
    await expect(outcome).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });

  it('answers DATABASE_UNAVAILABLE when the next statement finds the runner released', async () => {
    const { db, dropConnection } = releasedUnderTransaction();
    const outcome = db.withTransaction(async (tx) => {
      await tx.query('SELECT 1');
      dropConnection();
      return tx.query('SELECT 2');
    });
    await expect(outcome).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });
});
