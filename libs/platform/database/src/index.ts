export { Db, createDb, type DbEntity, type DbOptions, type DbResult, type DbTx, type Queryable, type CopyInTarget } from './db';
export {
  AdoptingMigration,
  MIGRATION_CHECKSUMS_TABLE,
  MIGRATIONS_TABLE,
  MigrationChecksums1764547200000,
  SqlMigration,
  runMigrations,
  sqlMigration,
  type MigrationClass,
} from './migrations';
export { LEGACY_MIGRATIONS_TABLE, runLegacyMigrations, type LegacyMigration } from './legacy-migrations';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
export { DatabaseError, DatabaseUnavailableError, MigrationChangedError, isConnectionFailure, type DatabaseErrorCode } from './database.errors';
export { AdvisoryLockClass, SCHEMA_LOCK_KEY } from './advisory-locks';
export { silentLogger, type Logger, type LogFn } from './logger';
