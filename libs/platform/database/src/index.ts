export { Db, createDb, type DbEntity, type DbOptions, type DbResult, type DbTx, type Queryable } from './db';
export { AdoptingMigration, MIGRATIONS_TABLE, runMigrations, sqlMigration, type MigrationClass } from './migrations';
export { LEGACY_MIGRATIONS_TABLE, runLegacyMigrations, type LegacyMigration } from './legacy-migrations';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
export { DatabaseError, DatabaseUnavailableError, MigrationChangedError, isConnectionFailure, type DatabaseErrorCode } from './database.errors';
export { AdvisoryLockClass, SCHEMA_LOCK_KEY } from './advisory-locks';
export { silentLogger, type Logger, type LogFn } from './logger';
