import { randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR, type EventEnvelope } from '@airlock/contracts';
import { createDb, runMigrations, type Db } from '@airlock/database';
import { eventStoreMigrations } from '@airlock/event-store';
import { realStack, uniqueId } from '@airlock/testing';
import { AUDIT_WRITER_ROLE, auditLogMigrations } from './audit-log.migrations';
import { AuditLogRepository, type AuditLogRepositoryOptions } from './audit-log.repository';
import { createAuditWriterDb } from './audit-writer-db';

/**
 * The shared audit chain is never touched by tests: each suite (or test) gets a schema of its own,
 * migrated by the owner (the superuser here), and a writer pool bound to the audit writer role.
 */
export type AuditSchema = {
  schema: string;
  owner: Db;
  writer: Db;
  repository(options?: Pick<AuditLogRepositoryOptions, 'maxBatch' | 'insertWith'>, db?: Db): AuditLogRepository;
  dispose(): Promise<void>;
};

export async function freshAuditSchema(name = 'audit'): Promise<AuditSchema> {
  const url = realStack().databaseUrl;
  const schema = uniqueId(name).replace(/[^a-z0-9_]/g, '_');
  const admin = createDb({ url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const owner = createDb({ url, max: 2, schema, applicationName: 'test-audit-owner' });
  await runMigrations(owner, [...eventStoreMigrations, ...auditLogMigrations]);
  const writer = createAuditWriterDb({ url, role: AUDIT_WRITER_ROLE, schema, max: 4 });
  return {
    schema,
    owner,
    writer,
    repository: (options = {}, db = writer) => new AuditLogRepository(db, { auditTopic: `test.audit.${schema}`, ...options }),
    async dispose() {
      await writer.close();
      await owner.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    },
  };
}

export function anEnvelope(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  const id = randomUUID();
  return {
    specversion: '1.0',
    id,
    source: '/airlock/test',
    type: 'airlock.request.created.v1',
    subject: randomUUID(),
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    streamId: `request-${id}`,
    streamVersion: 1,
    actor: SYSTEM_ACTOR,
    correlationId: id,
    data: { n: 0 },
    ...overrides,
  };
}
