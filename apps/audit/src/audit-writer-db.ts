import { createDb, type Db, type Logger } from '@airlock/database';

export type AuditWriterDbOptions = { url: string; role: string; schema?: string; max?: number; logger?: Logger };

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * A pool whose every connection acts as the audit writer role from its first statement (a startup
 * parameter, so no query can run before it). With AIRLOCK_AUDIT_DATABASE_URL the login role itself
 * should be that role or a member of it; the superuser default is for development and tests.
 */
export function createAuditWriterDb({ url, role, schema, max = 4, logger }: AuditWriterDbOptions): Db {
  for (const name of [role, schema].filter((n): n is string => n !== undefined)) {
    if (!IDENTIFIER.test(name)) throw new Error(`invalid identifier ${name}`);
  }
  // createDb merges the URL's `?options=` with the search path and the role (role last).
  return createDb({ url, max, schema, role, applicationName: 'airlock-audit-writer', connectionTimeoutMillis: 5_000, logger });
}

/** Fail closed at boot: the writer must be the role, and the role must not be able to change the log. */
export async function assertAppendOnlyWriter(db: Db, role: string): Promise<void> {
  const { rows } = await db.query<{ current_user: string; can_change: boolean }>(
    `SELECT current_user, has_table_privilege(current_user, 'audit_records', 'UPDATE')
        OR has_table_privilege(current_user, 'audit_records', 'DELETE')
        OR has_table_privilege(current_user, 'audit_records', 'TRUNCATE') AS can_change`,
  );
  const { current_user: user, can_change: canChange } = rows[0];
  if (user !== role) throw new Error(`the audit writer connects as ${user}, not ${role}`);
  if (canChange) throw new Error(`${role} may UPDATE, DELETE or TRUNCATE audit_records: refusing to start`);
}
