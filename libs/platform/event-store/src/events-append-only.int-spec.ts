import { createDb, runMigrations, type Db } from '@airlock/database';
import { realStack } from '@airlock/testing';
import { EVENT_WRITER_ROLE, eventStoreMigrations } from './event-store.migrations';
import { pendingEvents, uniqueStreamId } from './event-store.test-kit';
import { PostgresEventStore } from './postgres-event-store';
import { freshSchema, type SchemaDbs } from './postgres.test-kit';

// Issue 9, finding 11 (docs/design.md invariant 3): the event log is append-only in the database, not only
// in code, as the audit log is: the services' role may read and append, and triggers refuse any
// change, even by the owner or a superuser.
const options = { topic: 'airlock.test-events.v1' };

/** A pool whose connections act as the writer role from their first statement, as the audit writer's do. */
function writerDb(schema: string): Db {
  return createDb({ url: realStack().databaseUrl, max: 2, schema, role: EVENT_WRITER_ROLE });
}

describe('the events table is append-only', () => {
  let schema: SchemaDbs;
  let owner: Db;
  let writer: Db;
  let streamId: string;

  beforeAll(async () => {
    schema = await freshSchema(realStack().databaseUrl, 'events_append_only');
    owner = schema.open(2);
    await runMigrations(owner, eventStoreMigrations);
    const { rows } = await owner.query<{ schema: string }>('SELECT current_schema() AS schema');
    writer = writerDb(rows[0].schema);
  });
  afterAll(async () => {
    await writer.close();
    await schema.dispose();
  });
  beforeEach(async () => {
    streamId = uniqueStreamId();
    await new PostgresEventStore(owner).appendToStream(streamId, 0, pendingEvents(2), options);
  });

  it.each([
    ['UPDATE', `UPDATE events SET type = 'forged' WHERE stream_id = $1`],
    ['DELETE', 'DELETE FROM events WHERE stream_id = $1'],
  ])('refuses %s by the owner, a superuser, with the append-only trigger', async (_, sql) => {
    await expect(owner.query(sql, [streamId])).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(/append-only/) });
  });

  it('refuses TRUNCATE by the owner, a superuser, with the append-only trigger', async () => {
    await expect(owner.query('TRUNCATE events CASCADE')).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(/append-only/) });
  });

  it.each([
    ['UPDATE', `UPDATE events SET type = 'forged' WHERE stream_id = 'x'`],
    ['DELETE', `DELETE FROM events WHERE stream_id = 'x'`],
    ['TRUNCATE', 'TRUNCATE events'],
  ])('refuses %s by the service role: permission denied', async (_, sql) => {
    await expect(writer.query(sql)).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(/permission denied/) });
  });

  it('grants the service role exactly SELECT and INSERT on events', async () => {
    const { rows } = await owner.query<Record<string, boolean>>(
      `SELECT ${['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'].map((p) => `has_table_privilege($1, 'events', '${p}') AS "${p}"`).join(', ')}`,
      [EVENT_WRITER_ROLE],
    );
    expect(rows[0]).toEqual({ SELECT: true, INSERT: true, UPDATE: false, DELETE: false, TRUNCATE: false });
  });

  it('still lets the service role append and read, with the outbox row in the same transaction', async () => {
    const store = new PostgresEventStore(writer);
    const appended = await store.appendToStream(streamId, 2, pendingEvents(3), options);
    expect(appended.version).toBe(5);
    expect((await store.readStream(streamId)).events.map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5]);
    const { rows } = await writer.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE key = $1', [streamId]);
    expect(Number(rows[0].n)).toBe(5);
  });

  it('leaves the outbox, which is not the log, updatable and deletable by the service role', async () => {
    const marked = await writer.query('UPDATE outbox SET published_at = now() WHERE key = $1', [streamId]);
    expect(marked.rowCount).toBe(2);
    const removed = await writer.query('DELETE FROM outbox WHERE key = $1', [streamId]);
    expect(removed.rowCount).toBe(2);
  });
});
