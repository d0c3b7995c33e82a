import { createDb, runMigrations, sqlMigration, type Db } from '@airlock/database';
import { realStack, uniqueId } from '@airlock/testing';
import { randomUUID } from 'node:crypto';
import { IdempotentConsumer } from './idempotent-consumer';
import { idempotentConsumerMigrations } from './idempotent-consumer.migrations';

describe('IdempotentConsumer on real PostgreSQL', () => {
  const schema = uniqueId('idempotent').replace(/-/g, '_');
  const dbs: Db[] = [];
  const open = (max: number) => {
    const db = createDb({ url: realStack().databaseUrl, max, schema });
    dbs.push(db);
    return db;
  };
  let admin: Db;

  beforeAll(async () => {
    admin = createDb({ url: realStack().databaseUrl, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    await runMigrations(open(1), [
      ...idempotentConsumerMigrations,
      sqlMigration('IntReadModel1764547299001', 'CREATE TABLE request_counts (event_id text, n int)'),
    ]);
  });
  afterAll(async () => {
    await Promise.all(dbs.map((db) => db.close()));
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.close();
  });

  it('applies a database effect once when the same event is delivered to several instances at once', async () => {
    const eventId = randomUUID();
    // Separate pools: each instance of the consuming service has its own connections.
    const instances = Array.from({ length: 5 }, () => new IdempotentConsumer(open(1), 'read-model'));
    const outcomes = await Promise.all(
      instances.map((consumer) =>
        consumer.handleInTransaction(eventId, async (tx) => void (await tx.query('INSERT INTO request_counts VALUES ($1, 1)', [eventId]))),
      ),
    );
    expect(outcomes.sort()).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'handled']);
    const { rowCount } = await open(1).query('SELECT 1 FROM request_counts WHERE event_id = $1', [eventId]);
    expect(rowCount).toBe(1);
  });
});
