import { AdvisoryLockClass, SCHEMA_LOCK_KEY, silentLogger, type Db, type DbTx, type Logger } from '@airlock/database';

/** What the relay hands to the broker; structurally a `MessageBus` from @airlock/messaging fits. */
export type OutboxMessage = { topic: string; key: string; value: string; headers?: Record<string, string> };
export type OutboxPublisher = { publish(messages: OutboxMessage[]): Promise<void> };

export type OutboxRelayOptions = {
  batchSize?: number;
  /** How often an idle relay looks for new rows; also how soon an append reaches the broker. */
  pollIntervalMs?: number;
  /** Cap of the exponential back-off after a failed publish. */
  maxBackoffMs?: number;
  logger?: Logger;
};

type OutboxRow = { id: string; topic: string; key: string; payload: unknown; headers: Record<string, string> };

/**
 * Moves committed outbox rows to the broker, oldest first. Fail closed: a row is marked published
 * only after the broker acknowledged it; on failure the transaction rolls back, the rows stay, and
 * the relay backs off. Delivery is at-least-once (a crash after the ack and before the commit
 * republishes), which consumers absorb by deduplicating on the event id.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly logger: Logger;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly publisher: OutboxPublisher,
    { batchSize = 100, pollIntervalMs = 100, maxBackoffMs = 10_000, logger = silentLogger }: OutboxRelayOptions = {},
  ) {
    this.batchSize = batchSize;
    this.pollIntervalMs = pollIntervalMs;
    this.maxBackoffMs = maxBackoffMs;
    this.logger = logger;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /** Publishes one batch if this process holds the relay lock. Returns how many rows it published. */
  async relayOnce(): Promise<number> {
    return this.db.withTransaction(async (tx) => {
      // One relay at a time across processes, so a stream's events are never published out of order.
      const { rows: lock } = await tx.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock($1, ${SCHEMA_LOCK_KEY}) AS locked`, [
        AdvisoryLockClass.outboxRelay,
      ]);
      if (!lock[0].locked) return 0;
      const rows = await this.claimBatch(tx);
      if (rows.length === 0) return 0;
      // Throws unless the broker acknowledged every message: the rollback leaves the rows unpublished.
      await this.publisher.publish(rows.map(toMessage));
      await tx.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [rows.map((row) => row.id)]);
      return rows.length;
    });
  }

  private async claimBatch(tx: DbTx): Promise<OutboxRow[]> {
    const { rows } = await tx.query<OutboxRow>(
      `SELECT id, topic, key, payload, headers FROM outbox
       WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [this.batchSize],
    );
    return rows;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let delayMs = this.pollIntervalMs;
      try {
        const published = await this.relayOnce();
        failures = 0;
        if (published >= this.batchSize) delayMs = 0; // more are waiting: drain without pausing
      } catch (error) {
        failures += 1;
        delayMs = Math.min(this.maxBackoffMs, this.pollIntervalMs * 2 ** failures);
        this.logger.warn({ err: error, failures, retryInMs: delayMs }, 'outbox relay failed; rows stay unpublished');
      }
      if (delayMs > 0) await this.sleep(delayMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

function toMessage(row: OutboxRow): OutboxMessage {
  return { topic: row.topic, key: row.key, value: JSON.stringify(row.payload), headers: row.headers };
}
