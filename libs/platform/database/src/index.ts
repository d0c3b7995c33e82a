export { Db, createDb, type DbOptions, type DbResult, type DbTx, type Queryable } from './db';
export { runMigrations, type Migration } from './migrations';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
export {
  DatabaseError,
  DatabaseUnavailableError,
  MigrationChangedError,
  isConnectionFailure,
  type DatabaseErrorCode,
} from './database.errors';
export { AdvisoryLockClass, SCHEMA_LOCK_KEY } from './advisory-locks';
export { silentLogger, type Logger, type LogFn } from './logger';
