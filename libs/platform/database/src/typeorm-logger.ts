import type { Logger as OrmLogger } from 'typeorm';
import type { Logger } from './logger';

/**
 * TypeORM's log calls on our structured logger. Queries and their errors are not logged here: a
 * failing query is rethrown to its caller, who decides what it means (a 409, a retry, a 503).
 */
export class TypeOrmLogger implements OrmLogger {
  constructor(private readonly logger: Logger) {}

  logQuery(): void {
    // Not logged: see above.
  }

  logQueryError(): void {
    // Not logged: the caller gets the error.
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ durationMs: time, query }, 'slow database query');
  }

  logSchemaBuild(message: string): void {
    this.logger.debug({ component: 'typeorm' }, message);
  }

  logMigration(message: string): void {
    this.logger.info({ component: 'typeorm-migrations' }, message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    (level === 'warn' ? this.logger.warn : this.logger.info)({ component: 'typeorm' }, String(message));
  }
}
