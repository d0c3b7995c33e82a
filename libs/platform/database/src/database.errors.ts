export type DatabaseErrorCode = 'DATABASE_UNAVAILABLE' | 'MIGRATION_CHANGED';

export class DatabaseError extends Error {
  constructor(
    readonly code: DatabaseErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Postgres cannot be reached or dropped the connection: callers wait and retry (fail closed). */
export class DatabaseUnavailableError extends DatabaseError {
  constructor(cause: unknown) {
    super('DATABASE_UNAVAILABLE', `database unavailable: ${describe(cause)}`, { cause });
  }
}

/** An already-applied migration's SQL changed: refusing to boot beats silently diverging schemas. */
export class MigrationChangedError extends DatabaseError {
  constructor(readonly migrationId: string) {
    super('MIGRATION_CHANGED', `migration ${migrationId} was changed after it was applied`);
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH']);
// SQLSTATE class 08 (connection exception) and the 57P0x shutdown/startup codes.
const UNAVAILABLE_SQLSTATES = /^(08...|57P01|57P02|57P03)$/;
const CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/;

export function isConnectionFailure(error: unknown): boolean {
  // Checked by shape, not `instanceof Error`: socket errors may come from another realm (jest's VM).
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.test(code))) return true;
  // Node reports a failed connect to a host with several addresses as an AggregateError.
  if (Array.isArray(errors) && errors.some(isConnectionFailure)) return true;
  // pg reports a dropped socket or a pool that cannot connect in time by message only.
  return typeof message === 'string' && CONNECTION_MESSAGES.test(message);
}

/** Rethrow connection failures as DatabaseUnavailableError; everything else unchanged. */
export function toDatabaseError(error: unknown): unknown {
  if (error instanceof DatabaseError) return error;
  return isConnectionFailure(error) ? new DatabaseUnavailableError(error) : error;
}

function describe(cause: unknown): string {
  if (typeof cause !== 'object' || cause === null) return String(cause);
  const { message, code, errors } = cause as { message?: string; code?: string; errors?: unknown[] };
  if (Array.isArray(errors) && errors.length > 0) return errors.map(describe).join('; ');
  return message || code || 'unknown error';
}
