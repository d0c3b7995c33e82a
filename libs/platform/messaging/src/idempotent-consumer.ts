import type { Db, DbTx } from '@airlock/database';

export type HandleOutcome = 'handled' | 'duplicate';

/**
 * Turns at-least-once delivery into effects that happen once (docs/design.md invariant 4) by recording,
 * per consumer, the ids of the events it has handled.
 */
export class IdempotentConsumer {
  constructor(
    private readonly db: Db,
    private readonly consumerName: string,
  ) {}

  /**
   * For effects outside this database (S3 copies, HTTP calls). Skips an event already recorded;
   * otherwise runs `effect` and records the event only after it succeeded. A crash between the
   * effect and the record redelivers the event and runs the effect again, so the effect must
   * itself be idempotent (e.g. a copy to a key derived from the event, a PUT, an upsert).
   * A failing effect records nothing and rethrows, so the message is redelivered.
   */
  async handle(eventId: string, effect: () => Promise<void>): Promise<HandleOutcome> {
    if (await this.alreadyHandled(eventId)) return 'duplicate';
    await effect();
    await this.db.query('INSERT INTO handled_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [this.consumerName, eventId]);
    return 'handled';
  }

  /**
   * For effects in this database (read models, the audit log): the record and the effect commit
   * in one transaction, so they happen exactly once. Recording first holds the row lock, so a
   * concurrent redelivery waits for this transaction and then sees the event as handled.
   */
  async handleInTransaction(eventId: string, effect: (tx: DbTx) => Promise<void>): Promise<HandleOutcome> {
    return this.db.withTransaction(async (tx) => {
      const { rowCount } = await tx.query('INSERT INTO handled_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        this.consumerName,
        eventId,
      ]);
      if (rowCount === 0) return 'duplicate';
      await effect(tx);
      return 'handled';
    });
  }

  async alreadyHandled(eventId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('SELECT 1 FROM handled_events WHERE consumer = $1 AND event_id = $2', [this.consumerName, eventId]);
    return rowCount > 0;
  }
}
