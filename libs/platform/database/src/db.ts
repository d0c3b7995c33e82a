import { Pool, type PoolClient } from 'pg';
import { toDatabaseError } from './database.errors';
import { silentLogger, type Logger } from './logger';

export type DbResult<T> = { rows: T[]; rowCount: number };

/** What a query runs on: the pool, or one transaction's connection. */
export type Queryable = {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<DbResult<T>>;
};

export type DbTx = Queryable;

export type DbOptions = {
  url: string;
  /** Pool size. Use 1 with the embedded (PGlite) server: it serves one connection. */
  max?: number;
  applicationName?: string;
  /** How long a query waits for a free connection before DATABASE_UNAVAILABLE (503): under a burst, a request waits rather than fails. */
  connectionTimeoutMillis?: number;
  /** Tables resolve in this schema (its `search_path`), e.g. one per service or per test suite. */
  schema?: string;
  logger?: Logger;
};

export class Db implements Queryable {
  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger = silentLogger,
  ) {
    // An idle client losing its socket must not crash the process; the next query reports it.
    pool.on('error', (error) => this.logger.warn({ err: error }, 'idle database connection failed'));
  }

  async query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<DbResult<T>> {
    try {
      const result = await this.pool.query(sql, params as unknown[]);
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
    } catch (error) {
      throw toDatabaseError(error);
    }
  }

  /** BEGIN … COMMIT around `fn`; ROLLBACK if it throws. The connection is always released. */
  async withTransaction<T>(fn: (tx: DbTx) => Promise<T>): Promise<T> {
    const client = await this.connect();
    const tx = transactionOn(client);
    let brokenConnection: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      brokenConnection = await rollbackQuietly(client);
      throw toDatabaseError(error);
    } finally {
      tx.finish();
      // Passing an error destroys the connection instead of returning a half-open one to the pool.
      client.release(brokenConnection);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async connect(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw toDatabaseError(error);
    }
  }
}

export function createDb({ url, max = 10, applicationName = 'airlock', connectionTimeoutMillis = 15_000, schema, logger }: DbOptions): Db {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  const options = schema ? `-c search_path=${schema}` : undefined;
  const pool = new Pool({ connectionString: url, max, application_name: applicationName, connectionTimeoutMillis, options });
  return new Db(pool, logger);
}

function transactionOn(client: PoolClient): DbTx & { finish(): void } {
  let finished = false;
  return {
    async query<T>(sql: string, params: readonly unknown[] = []) {
      // A tx that escaped its callback would otherwise run on a connection now used by someone else.
      if (finished) throw new Error('transaction already finished');
      try {
        const result = await client.query(sql, params as unknown[]);
        return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
      } catch (error) {
        throw toDatabaseError(error);
      }
    },
    finish: () => {
      finished = true;
    },
  };
}

async function rollbackQuietly(client: PoolClient): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
