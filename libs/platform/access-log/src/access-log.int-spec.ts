import { randomUUID } from 'node:crypto';
import { parseEnvelope, Topics } from '@airlock/contracts';
import { createDb, runMigrations, type Db } from '@airlock/database';
import { eventStoreMigrations } from '@airlock/event-store';
import { realStack, uniqueId } from '@airlock/testing';
import { AccessLog } from './access-log';

// A schema of our own: other suites' outbox relays must not publish these rows.
const schema = uniqueId('access_log').replace(/-/g, '_');
let admin: Db;
let db: Db;

beforeAll(async () => {
  admin = createDb({ url: realStack().databaseUrl, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  db = createDb({ url: realStack().databaseUrl, max: 2, schema });
  await runMigrations(db, eventStoreMigrations);
});

afterAll(async () => {
  await db?.close();
  await admin?.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin?.close();
});

type OutboxRow = { event_id: string; topic: string; key: string; payload: unknown; headers: Record<string, string> };

describe('AccessLog on real PostgreSQL', () => {
  it('puts the event into the outbox for the access-events topic, keyed by request', async () => {
    const requestId = randomUUID();
    const log = new AccessLog(db, { source: '/airlock/ingress' });
    const envelope = await log.record({
      kind: 'fileViewed',
      actor: { userId: 'chris', roles: ['output_checker'], clientAddress: '127.0.0.1' },
      action: 'GET /reviews/:id/files/:fileId/content',
      outcome: 'succeeded',
      requestId,
      file: { fileId: 'f1', sha256: 'b'.repeat(64) },
      at: new Date().toISOString(),
    });
    const { rows } = await db.query<OutboxRow>('SELECT event_id, topic, key, payload, headers FROM outbox WHERE event_id = $1', [envelope.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ topic: Topics.accessEvents, key: requestId, headers: { ce_type: 'airlock.access.file-viewed.v1', ce_id: envelope.id } });
    expect(parseEnvelope(JSON.stringify(rows[0].payload))).toEqual(envelope);
  });

  it("writes nothing when the caller's transaction rolls back", async () => {
    const log = new AccessLog(db, { source: '/airlock/egress-review' });
    let id = '';
    await expect(
      db.withTransaction(async (tx) => {
        id = (
          await log.record(
            {
              kind: 'adminAction',
              actor: { userId: 'root', roles: ['administrator'] },
              action: 'policy.update',
              outcome: 'succeeded',
              at: new Date().toISOString(),
            },
            tx,
          )
        ).id;
        throw new Error('effect failed');
      }),
    ).rejects.toThrow('effect failed');
    expect((await db.query('SELECT 1 FROM outbox WHERE event_id = $1', [id])).rowCount).toBe(0);
  });
});
