import {
  DataSource,
  EntitySchema,
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  type EntityTarget,
  type ObjectLiteral,
  type QueryRunner,
  type Repository,
} from 'typeorm';
import { DatabaseUnavailableError, toDatabaseError } from './database.errors';
import { silentLogger, type Logger } from './logger';
import { MIGRATIONS_TABLE } from './migrations';
import { TypeOrmLogger } from './typeorm-logger';

export type DbResult<T> = { rows: T[]; rowCount: number };

/** What a query runs on: the pool, or one transaction's connection. */
export type Queryable = {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<DbResult<T>>;
};

/** Where `COPY ... FROM STDIN` can run: the pool, or one transaction's connection. */
export type CopyInTarget = Queryable & {
  copyIn(sql: string, data: Buffer): Promise<number>;
};

export type DbTx = CopyInTarget;

/** An entity class (or schema) the data source maps, for read models that read better through a Repository. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own entity list type
export type DbEntity = Function | EntitySchema;

export type DbOptions = {
  url: string;
  /** Pool size. Use 1 with the embedded (PGlite) server: it serves one connection. */
  max?: number;
  applicationName?: string;
  /** How long a query waits for a free connection before DATABASE_UNAVAILABLE (503): under a burst, a request waits rather than fails. */
  connectionTimeoutMillis?: number;
  /** Tables resolve in this schema (its `search_path`), e.g. one per service or per test suite. */
  schema?: string;
  /** Every connection acts as this role from its first statement (`-c role=...`, a startup parameter). */
  role?: string;
  /** Read-model entities this service reads through a Repository (their tables come from migrations, never `synchronize`). */
  entities?: readonly DbEntity[];
  logger?: Logger;
};

/**
 * The service's TypeORM data source behind the narrow interface every caller uses. Exact SQL (advisory
 * locks, `SKIP LOCKED`, `ON CONFLICT`, the event store's append) runs through the data source's query
 * runners; read models may use repositories (docs/adr/0007-typeorm-data-sources-and-migrations.md).
 * The data source connects on first use, so building one never blocks a service's wiring, and a
 * database that is down at first use is retried by the next call rather than remembered.
 */
export class Db implements CopyInTarget {
  private initializing?: Promise<DataSource>;
  private closed = false;

  constructor(readonly dataSource: DataSource) {}

  async query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<DbResult<T>> {
    const runner = (await this.initialized()).createQueryRunner();
    let brokenConnection: Error | undefined;
    try {
      return await queryOn<T>(runner, sql, params);
    } catch (error) {
      // A connection that failed is destroyed, not pooled for the next caller (as pg's pool.query does).
      if (error instanceof DatabaseUnavailableError) brokenConnection = error;
      throw error;
    } finally {
      await releaseWith(runner, brokenConnection);
    }
  }

  /**
   * `COPY (...) TO STDOUT` on one connection of the pool: each CopyData message's bytes are handed to
   * `onData` as they arrive, unparsed (the binary format keeps text columns as their UTF-8 bytes).
   * A chunk is a view of pg's read buffer, valid only during the call: copy what must outlive it. `onData` runs synchronously on the socket's data, so a slow consumer slows the
   * server down (TCP flow control) rather than buffering; if it throws, the rest is read and dropped
   * and the promise rejects with that error. `sql` is sent as it is: no parameters.
   */
  async copyOut(sql: string, onData: (chunk: Buffer) => void): Promise<void> {
    const runner = (await this.initialized()).createQueryRunner();
    let brokenConnection: Error | undefined;
    try {
      const client = (await runner.connect()) as { query(submittable: CopyOutQuery): void };
      await new Promise<void>((resolve, reject) => client.query(new CopyOutQuery(sql, onData, resolve, reject)));
    } catch (error) {
      const mapped = databaseError(error);
      if (mapped instanceof DatabaseUnavailableError) brokenConnection = mapped;
      throw mapped;
    } finally {
      await releaseWith(runner, brokenConnection);
    }
  }

  /**
   * `COPY ... FROM STDIN` on one connection of the pool: `data` goes to the server as it is (the
   * caller encodes the rows, e.g. in the binary format), and the promise resolves with the number of
   * rows copied. One statement, so the server keeps every row or none; it skips parsing and planning
   * a statement per batch, which a multi-row INSERT pays (issue 14). `sql` is sent as it is: no parameters.
   */
  async copyIn(sql: string, data: Buffer): Promise<number> {
    const runner = (await this.initialized()).createQueryRunner();
    let brokenConnection: Error | undefined;
    try {
      return await copyInOn(runner, sql, data);
    } catch (error) {
      if (error instanceof DatabaseUnavailableError) brokenConnection = error;
      throw error;
    } finally {
      await releaseWith(runner, brokenConnection);
    }
  }

  /** BEGIN … COMMIT around `fn`; ROLLBACK if it throws. The connection is always released. */
  async withTransaction<T>(fn: (tx: DbTx) => Promise<T>): Promise<T> {
    return this.withTransactionRunner(async (runner) => {
      const tx = transactionOn(runner);
      try {
        return await fn(tx);
      } finally {
        tx.finish();
      }
    });
  }

  /**
   * The same transaction as a TypeORM QueryRunner, for code that hands it to TypeORM itself (the
   * migration executor, a repository in the transaction's entity manager).
   */
  async withTransactionRunner<T>(fn: (runner: QueryRunner, dataSource: DataSource) => Promise<T>): Promise<T> {
    const dataSource = await this.initialized();
    const runner = dataSource.createQueryRunner();
    let brokenConnection: Error | undefined;
    try {
      await runner.connect();
      await runner.startTransaction();
      const result = await fn(runner, dataSource);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      brokenConnection = await rollbackQuietly(runner);
      throw databaseError(error);
    } finally {
      // Passing an error destroys the connection instead of returning a half-open one to the pool.
      await releaseWith(runner, brokenConnection);
    }
  }

  /** A Repository of an entity this data source maps; database errors come out as from `query`. */
  async withRepository<E extends ObjectLiteral, R>(entity: EntityTarget<E>, fn: (repository: Repository<E>) => Promise<R>): Promise<R> {
    const dataSource = await this.initialized();
    try {
      return await fn(dataSource.getRepository(entity));
    } catch (error) {
      throw databaseError(error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const dataSource = await this.initializing?.catch(() => undefined);
    if (dataSource?.isInitialized) await dataSource.destroy();
  }

  private initialized(): Promise<DataSource> {
    if (this.closed) return Promise.reject(new Error('Cannot use a database after it was closed'));
    this.initializing ??= this.dataSource.initialize().catch((error: unknown) => {
      this.initializing = undefined;
      throw databaseError(error);
    });
    return this.initializing;
  }
}

export function createDb({
  url,
  max = 10,
  applicationName = 'airlock',
  connectionTimeoutMillis = 15_000,
  schema,
  role,
  entities = [],
  logger = silentLogger,
}: DbOptions): Db {
  for (const name of [schema, role]) {
    if (name !== undefined && !/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid identifier: ${name}`);
  }
  // pg lets `?options=` in the URL override the options given here: merge them instead, ours last.
  const parsed = new URL(url);
  const fromUrl = parsed.searchParams.get('options');
  parsed.searchParams.delete('options');
  const options = [fromUrl, schema && `-c search_path=${schema}`, role && `-c role=${role}`].filter(Boolean).join(' ') || undefined;
  const dataSource = new DataSource({
    type: 'postgres',
    url: parsed.toString(),
    applicationName,
    connectTimeoutMS: connectionTimeoutMillis,
    poolSize: max,
    extra: options ? { options } : {},
    entities: [...entities],
    // The schema is owned by migrations (runMigrations), never derived from entities.
    synchronize: false,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsRun: false,
    installExtensions: false,
    logger: new TypeOrmLogger(logger),
    // An idle client losing its socket must not crash the process; the next query reports it.
    poolErrorHandler: (error: unknown) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  return new Db(dataSource);
}

/**
 * The driver's own error (pg's, with its SQLSTATE `code`), as callers have always seen it, and a
 * connection failure as DatabaseUnavailableError. A runner released under Db is a failed connection
 * too: PostgresQueryRunner releases itself when its connection emits 'error' (the server terminated
 * it while a transaction waited between statements), and Db releases its own runners only after this.
 */
function databaseError(error: unknown): unknown {
  if (error instanceof QueryRunnerAlreadyReleasedError) return new DatabaseUnavailableError(error);
  return toDatabaseError(error instanceof QueryFailedError && error.driverError ? error.driverError : error);
}

async function queryOn<T>(runner: QueryRunner, sql: string, params: readonly unknown[]): Promise<DbResult<T>> {
  try {
    const result = await runner.query(sql, [...params], true);
    return { rows: (result.records ?? []) as T[], rowCount: result.affected ?? 0 };
  } catch (error) {
    throw databaseError(error);
  }
}

async function copyInOn(runner: QueryRunner, sql: string, data: Buffer): Promise<number> {
  try {
    // Connected already inside a transaction: the same client, so the COPY is part of it.
    const client = (await runner.connect()) as { query(submittable: CopyInQuery): void };
    return await new Promise<number>((resolve, reject) => client.query(new CopyInQuery(sql, data, resolve, reject)));
  } catch (error) {
    throw databaseError(error);
  }
}

function transactionOn(runner: QueryRunner): DbTx & { finish(): void } {
  let finished = false;
  // A tx that escaped its callback would otherwise run on a connection now used by someone else.
  const open = () => {
    if (finished) throw new Error('transaction already finished');
  };
  return {
    async query<T>(sql: string, params: readonly unknown[] = []) {
      open();
      return queryOn<T>(runner, sql, params);
    },
    async copyIn(sql: string, data: Buffer) {
      open();
      return copyInOn(runner, sql, data);
    },
    finish: () => {
      finished = true;
    },
  };
}

async function rollbackQuietly(runner: QueryRunner): Promise<Error | undefined> {
  if (!runner.isTransactionActive) return undefined;
  try {
    await runner.rollbackTransaction();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

// PostgresQueryRunner releases with an error (so pg-pool destroys the client) through this method;
// its public `release()` always returns the connection to the pool.
type PostgresRunner = { releasePostgresConnection?: (error?: Error) => Promise<void> };

async function releaseWith(runner: QueryRunner, error: Error | undefined): Promise<void> {
  const postgres = runner as unknown as PostgresRunner;
  try {
    if (error && typeof postgres.releasePostgresConnection === 'function') await postgres.releasePostgresConnection(error);
    else await runner.release();
  } catch {
    // Releasing a connection the server already dropped can throw (pg-pool: already released or
    // ended). The connection is gone either way; the caller's own outcome (its result, or its
    // error mapped to DATABASE_UNAVAILABLE) must not be replaced by this one, which would be a 500.
  }
}

/**
 * What pg's client asks of every query object, for the two COPY queries below: the messages a
 * COPY never answers with are ignored, an error settles at once (as pg's own queries do: a dropped
 * connection sends no ReadyForQuery), and ReadyForQuery settles with the first failure, if any.
 */
abstract class CopyQuery<T> {
  protected failure: unknown;

  constructor(
    protected readonly text: string,
    private readonly resolve: (value: T) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  protected abstract result(): T;

  handleDataRow(): void {
    return undefined;
  }
  handleEmptyQuery(): void {
    return undefined;
  }
  handlePortalSuspended(): void {
    return undefined;
  }

  handleError(error: unknown): void {
    this.reject(this.failure ?? error);
  }

  handleReadyForQuery(): void {
    if (this.failure !== undefined) this.reject(this.failure);
    else this.resolve(this.result());
  }
}

/**
 * A query object pg's client runs as it runs its own (it calls `submit`, then one handler per
 * backend message): a simple-protocol `COPY ... TO STDOUT` whose CopyData goes to `onData`.
 */
class CopyOutQuery extends CopyQuery<void> {
  constructor(
    text: string,
    private readonly onData: (chunk: Buffer) => void,
    resolve: () => void,
    reject: (error: unknown) => void,
  ) {
    super(text, resolve, reject);
  }

  protected result(): void {
    return undefined;
  }

  submit(connection: { query(text: string): void }): void {
    connection.query(this.text);
  }

  handleCopyData(message: { chunk: Buffer }): void {
    if (this.failure !== undefined) return;
    try {
      this.onData(message.chunk);
    } catch (error) {
      this.failure = error;
    }
  }

  /** Not a COPY TO statement: refuse to send data the caller did not ask for. */
  handleCopyInResponse(connection: { sendCopyFail(message: string): void }): void {
    this.failure = new Error('copyOut runs COPY ... TO STDOUT only');
    connection.sendCopyFail('copyOut runs COPY ... TO STDOUT only');
  }

  // COPY TO sends no rows, and its CommandComplete carries nothing we need: ReadyForQuery ends it.
  handleRowDescription(): void {
    return undefined;
  }
  handleCommandComplete(): void {
    return undefined;
  }
}

/**
 * A simple-protocol `COPY ... FROM STDIN` for pg's client (see CopyOutQuery). The data follows the
 * statement at once, all in one CopyData message and CopyDone, rather than after the server's
 * CopyInResponse: one round trip instead of two. The protocol allows it: a backend that is not in
 * COPY mode (the statement failed, or was no COPY FROM) ignores CopyData and CopyDone, which it
 * must do anyway for data still arriving after a COPY failed midway. pg's own client has no COPY
 * FROM, and the package that adds it is not among our dependencies; this is the whole protocol.
 */
class CopyInQuery extends CopyQuery<number> {
  private copied = 0;

  constructor(
    text: string,
    private readonly data: Buffer,
    resolve: (rows: number) => void,
    reject: (error: unknown) => void,
  ) {
    super(text, resolve, reject);
  }

  protected result(): number {
    return this.copied;
  }

  submit(connection: { query(text: string): void; sendCopyFromChunk(chunk: Buffer): void; endCopyFrom(): void }): void {
    connection.query(this.text);
    connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
  }

  /** Sent already. */
  handleCopyInResponse(): void {
    return undefined;
  }

  /** Not a COPY FROM statement (a COPY TO would stream rows back): refuse to read what the caller did not ask for. */
  handleCopyData(): void {
    this.failure ??= new Error('copyIn runs COPY ... FROM STDIN only');
  }

  handleCommandComplete(message: { text?: string }): void {
    const match = /^COPY (\d+)$/.exec(message.text ?? '');
    if (match) this.copied = Number(match[1]);
  }

  handleRowDescription(): void {
    this.failure ??= new Error('copyIn runs COPY ... FROM STDIN only');
  }
}
