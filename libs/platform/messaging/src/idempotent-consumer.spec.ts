import { createDb, runMigrations, sqlMigration, startEmbeddedPostgres, type Db, type EmbeddedPostgres } from '@airlock/database';
import { randomUUID } from 'node:crypto';
import { IdempotentConsumer } from './idempotent-consumer';
import { idempotentConsumerMigrations } from './idempotent-consumer.migrations';

describe('IdempotentConsumer (embedded PostgreSQL)', () => {
  let embedded: EmbeddedPostgres;
  let db: Db;

  beforeAll(async () => {
    embedded = await startEmbeddedPostgres();
    db = createDb({ url: embedded.url, max: 1 });
    await runMigrations(db, [...idempotentConsumerMigrations, sqlMigration('SpecReadModel1764547299001', 'CREATE TABLE read_model (event_id text, n int)')]);
  }, 60_000);

  afterAll(async () => {
    await db.close();
    await embedded.stop();
  });

  describe('handle (effects outside the database)', () => {
    it('runs the effect once however often the event is delivered', async () => {
      const consumer = new IdempotentConsumer(db, 'spec');
      const eventId = randomUUID();
      let effects = 0;
      const effect = async () => void (effects += 1);
      expect(await consumer.handle(eventId, effect)).toBe('handled');
      expect(await consumer.handle(eventId, effect)).toBe('duplicate');
      expect(effects).toBe(1);
    });

    it('records nothing when the effect fails, so the redelivery runs it again', async () => {
      const consumer = new IdempotentConsumer(db, 'spec');
      const eventId = randomUUID();
      await expect(consumer.handle(eventId, async () => Promise.reject(new Error('S3 unavailable')))).rejects.toThrow('S3 unavailable');
      expect(await consumer.alreadyHandled(eventId)).toBe(false);
      expect(await consumer.handle(eventId, async () => undefined)).toBe('handled');
    });

    it('keeps each consumer’s record apart', async () => {
      const eventId = randomUUID();
      await new IdempotentConsumer(db, 'audit').handle(eventId, async () => undefined);
      expect(await new IdempotentConsumer(db, 'egress-review').handle(eventId, async () => undefined)).toBe('handled');
    });
  });

  describe('handleInTransaction (effects in the database)', () => {
    it('applies the effect and the record together, once', async () => {
      const consumer = new IdempotentConsumer(db, 'spec');
      const eventId = randomUUID();
      const effect = async (tx: Parameters<Parameters<IdempotentConsumer['handleInTransaction']>[1]>[0]) => {
        await tx.query('INSERT INTO read_model VALUES ($1, 1)', [eventId]);
      };
      expect(await consumer.handleInTransaction(eventId, effect)).toBe('handled');
      expect(await consumer.handleInTransaction(eventId, effect)).toBe('duplicate');
      expect((await db.query('SELECT n FROM read_model WHERE event_id = $1', [eventId])).rowCount).toBe(1);
    });

    it('rolls back the record with a failed effect', async () => {
      const consumer = new IdempotentConsumer(db, 'spec');
      const eventId = randomUUID();
      const failing = consumer.handleInTransaction(eventId, async (tx) => {
        await tx.query('INSERT INTO read_model VALUES ($1, 1)', [eventId]);
        throw new Error('projection bug');
      });
      await expect(failing).rejects.toThrow('projection bug');
      expect(await consumer.alreadyHandled(eventId)).toBe(false);
      expect((await db.query('SELECT n FROM read_model WHERE event_id = $1', [eventId])).rowCount).toBe(0);
    });
  });
});
