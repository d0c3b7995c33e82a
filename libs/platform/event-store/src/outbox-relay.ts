import { AdvisoryLockClass, SCHEMA_LOCK_KEY, silentLogger, type Db, type DbTx, type Logger } from '@airlock/database';
import { Counter, Gauge, type Registry } from 'prom-client';
import { OUTBOX_PARKED_TYPE, recordOutboxSystemEvent, type ParkedMessage } from './outbox-parking';

export { OUTBOX_PARKED_TYPE } from './outbox-parking';

/** What the relay hands to the broker; structurally a `MessageBus` from @airlock/messaging fits. */
export type OutboxMessage = { topic: string; key: string; value: string; headers?: Record<string, string> };
export type OutboxPublisher = { publish(messages: OutboxMessage[]): Promise<void> };

export type OutboxRelayOptions = {
  batchSize?: number;
  /** How often an idle relay looks for new rows; also how soon an append reaches the broker. */
  pollIntervalMs?: number;
  /** Cap of the exponential back-off after a failed publish (the relay's, and each row's). */
  maxBackoffMs?: number;
  /** A row the broker refused this many times is parked (AIRLOCK_OUTBOX_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** ... or once its first refusal is this old (AIRLOCK_OUTBOX_MAX_FAILING_MS). */
  maxFailingMs?: number;
  /** First back-off of a refused row; it doubles with each attempt up to `maxBackoffMs`. */
  retryBackoffMs?: number;
  /** Where parking is recorded for the audit log (default: the access-events topic, which the audit service consumes). */
  auditTopic?: string;
  logger?: Logger;
};

type OutboxRow = {
  id: string;
  event_id: string;
  topic: string;
  key: string;
  payload: { type?: unknown; streamId?: unknown };
  headers: Record<string, string>;
  attempts: number;
};

type RoundOutcome = { published: number; parked: ParkedMessage[]; outage?: unknown };

/**
 * Moves committed outbox rows to the broker, oldest first. Fail closed: a row is marked published
 * only after the broker acknowledged it. While the broker is unreachable nothing is marked, the rows
 * stay, and the relay backs off. Delivery is at-least-once (a crash after the ack and before the
 * commit republishes), which consumers absorb by deduplicating on the event id.
 *
 * No slow poison (invariant 9): a row the reachable broker refuses (too large, invalid) is retried
 * with its own back-off and, after `maxAttempts` refusals or `maxFailingMs`, parked: counted,
 * logged as an alert and audited. Until it is published (see `replayParked`) the later rows of its
 * stream (same topic and key, the unit of Kafka's order) are held back; every other stream flows.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxAttempts: number;
  private readonly maxFailingMs: number;
  private readonly retryBackoffMs: number;
  private readonly auditTopic: string | undefined;
  private readonly logger: Logger;
  private readonly parkedTotal: { inc(): void }[] = [];
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private nudged = false;
  private wakeOnNudge: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly publisher: OutboxPublisher,
    {
      batchSize = 100,
      pollIntervalMs = 100,
      maxBackoffMs = 10_000,
      maxAttempts = 10,
      maxFailingMs = 10 * 60_000,
      retryBackoffMs = 1_000,
      auditTopic,
      logger = silentLogger,
    }: OutboxRelayOptions = {},
  ) {
    this.batchSize = batchSize;
    this.pollIntervalMs = pollIntervalMs;
    this.maxBackoffMs = maxBackoffMs;
    this.maxAttempts = maxAttempts;
    this.maxFailingMs = maxFailingMs;
    this.retryBackoffMs = retryBackoffMs;
    this.auditTopic = auditTopic;
    this.logger = logger;
  }

  /**
   * Prometheus: `airlock_outbox_pending_messages` and `airlock_outbox_parked_messages` (gauges, read
   * at scrape) and `airlock_outbox_parked_total` (counter).
   */
  registerMetrics(registry: Registry): void {
    const db = this.db;
    new Gauge({
      name: 'airlock_outbox_pending_messages',
      help: 'Outbox rows not yet published to the broker (parked rows excluded)',
      registers: [registry],
      async collect() {
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL AND parked_at IS NULL');
        this.set(rows[0].n);
      },
    });
    new Gauge({
      name: 'airlock_outbox_parked_messages',
      help: 'Outbox rows parked because the broker refused them; their streams are held back',
      registers: [registry],
      async collect() {
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE parked_at IS NOT NULL AND published_at IS NULL');
        this.set(rows[0].n);
      },
    });
    this.parkedTotal.push(new Counter({ name: 'airlock_outbox_parked_total', help: 'Outbox rows parked by this process', registers: [registry] }));
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /**
   * Rows were just committed by this process: publish them now rather than at the next poll. A
   * nudge during a round makes the next round start at once; the poll still finds rows committed
   * by other processes.
   */
  nudge(): void {
    this.nudged = true;
    this.wakeOnNudge?.();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /**
   * Publishes one batch if this process holds the relay lock. Returns how many rows it published;
   * throws when the broker could not be reached and nothing was published.
   */
  async relayOnce(): Promise<number> {
    const outcome = await this.db.withTransaction(async (tx): Promise<RoundOutcome> => {
      // One relay at a time across processes, so a stream's events are never published out of order.
      const { rows: lock } = await tx.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock($1, ${SCHEMA_LOCK_KEY}) AS locked`, [
        AdvisoryLockClass.outboxRelay,
      ]);
      if (!lock[0].locked) return { published: 0, parked: [] };
      const rows = await this.claimBatch(tx);
      if (rows.length === 0) return { published: 0, parked: [] };
      try {
        await this.publisher.publish(rows.map(toMessage));
      } catch (error) {
        // The broker is unavailable: the rollback leaves every row unpublished, and no row is blamed.
        if (!isRefusalOfMessage(error)) throw error;
        return this.publishOneByOne(tx, rows);
      }
      await markPublished(
        tx,
        rows.map((row) => row.id),
      );
      return { published: rows.length, parked: [] };
    });
    for (const parked of outcome.parked) this.announceParked(parked);
    if (outcome.outage !== undefined && outcome.published === 0) throw outcome.outage;
    return outcome.published;
  }

  /** Rows due, oldest first, skipping the streams held back behind a parked or backing-off row. */
  private async claimBatch(tx: DbTx): Promise<OutboxRow[]> {
    const { rows } = await tx.query<OutboxRow>(
      `SELECT id, event_id, topic, key, payload, headers, attempts FROM outbox o
       WHERE published_at IS NULL AND parked_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())
         AND NOT EXISTS (
           SELECT 1 FROM outbox b
           WHERE b.published_at IS NULL AND b.topic = o.topic AND b.key = o.key AND b.id < o.id
             AND (b.parked_at IS NOT NULL OR b.next_attempt_at > now()))
       ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [this.batchSize],
    );
    return rows;
  }

  /**
   * The broker refused a message of the batch: find which by sending the rows one at a time in
   * order. A stream stops at its first refused row, to keep its order; the others go on. Should
   * the broker become unavailable meanwhile, the round ends and nothing more is blamed.
   */
  private async publishOneByOne(tx: DbTx, rows: OutboxRow[]): Promise<RoundOutcome> {
    const stopped = new Set<string>();
    const published: string[] = [];
    const parked: ParkedMessage[] = [];
    let outage: unknown;
    for (const row of rows) {
      const stream = `${row.topic}\u0000${row.key}`;
      if (stopped.has(stream)) continue;
      try {
        await this.publisher.publish([toMessage(row)]);
        published.push(row.id);
      } catch (error) {
        if (!isRefusalOfMessage(error)) {
          outage = error;
          break;
        }
        stopped.add(stream);
        const result = await this.recordRefusal(tx, row, error);
        if (result) parked.push(result);
      }
    }
    await markPublished(tx, published);
    return { published: published.length, parked, outage };
  }

  /** Counts a refusal against the row; parks it once the attempts or the time are used up. */
  private async recordRefusal(tx: DbTx, row: OutboxRow, error: unknown): Promise<ParkedMessage | undefined> {
    const reason = describe(error);
    const backoffMs = Math.min(this.maxBackoffMs, this.retryBackoffMs * 2 ** row.attempts);
    const { rows } = await tx.query<{ attempts: number; parked: boolean; size: number }>(
      `UPDATE outbox SET
         attempts = attempts + 1,
         first_failed_at = COALESCE(first_failed_at, now()),
         last_error = $2,
         next_attempt_at = now() + make_interval(secs => $5::float8 / 1000),
         parked_at = CASE WHEN attempts + 1 >= $3 OR now() - COALESCE(first_failed_at, now()) >= make_interval(secs => $4::float8 / 1000) THEN now() END,
         park_reason = CASE WHEN attempts + 1 >= $3 OR now() - COALESCE(first_failed_at, now()) >= make_interval(secs => $4::float8 / 1000) THEN $2 END
       WHERE id = $1
       RETURNING attempts, parked_at IS NOT NULL AS parked, octet_length(payload::text) AS size`,
      [row.id, reason, this.maxAttempts, this.maxFailingMs, backoffMs],
    );
    const { attempts, parked, size } = rows[0];
    const streamId = typeof row.payload?.streamId === 'string' ? row.payload.streamId : null;
    if (!parked) {
      this.logger.warn(
        { eventId: row.event_id, streamId, topic: row.topic, attempts, retryInMs: backoffMs, reason },
        'outbox row refused by the broker; will retry',
      );
      return undefined;
    }
    const message: ParkedMessage = {
      outboxId: row.id,
      eventId: row.event_id,
      eventType: typeof row.payload?.type === 'string' ? row.payload.type : null,
      streamId,
      topic: row.topic,
      key: row.key,
      sizeBytes: size,
      attempts,
      reason,
    };
    const { outboxId: _outboxId, ...data } = message;
    await recordOutboxSystemEvent(tx, OUTBOX_PARKED_TYPE, { ...data, parkedAt: new Date().toISOString() }, this.auditTopic);
    return message;
  }

  /** After the commit: the alert for operators (never the event's data) and the counter. */
  private announceParked(parked: ParkedMessage): void {
    this.parkedTotal.forEach((counter) => counter.inc());
    const { eventId, eventType, streamId, topic, key, sizeBytes, attempts, reason } = parked;
    this.logger.error(
      { alert: true, eventId, eventType, streamId, topic, key, sizeBytes, attempts, reason },
      'outbox row parked: the broker refuses it; its stream is held back until an operator replays it (npm run outbox -- replay)',
    );
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let delayMs = this.pollIntervalMs;
      this.nudged = false;
      try {
        const published = await this.relayOnce();
        failures = 0;
        // More are waiting, or were committed during the round: go on without pausing.
        if (published >= this.batchSize || this.nudged) delayMs = 0;
      } catch (error) {
        failures += 1;
        delayMs = Math.min(this.maxBackoffMs, this.pollIntervalMs * 2 ** failures);
        this.logger.warn({ err: error, failures, retryInMs: delayMs }, 'outbox relay failed; rows stay unpublished');
      }
      // A back-off after a failure is not cut short by nudges: appends must not hammer a broker that is down.
      if (delayMs > 0) await this.sleep(delayMs, failures === 0);
    }
  }

  private sleep(ms: number, nudgeable: boolean): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.wakeOnNudge = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
      if (nudgeable) this.wakeOnNudge = done;
    });
  }
}

async function markPublished(tx: DbTx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [ids]);
}

function toMessage(row: OutboxRow): OutboxMessage {
  return { topic: row.topic, key: row.key, value: JSON.stringify(row.payload), headers: row.headers };
}

type ErrorShape = { name?: unknown; message?: unknown; type?: unknown; retriable?: unknown; cause?: unknown; originalError?: unknown };

/**
 * The broker answered and refused this message itself (kafkajs protocol errors about the record:
 * too large, invalid, corrupt). Anything else (a connection failure, a timeout, retries exhausted,
 * or the producer's own state such as OUT_OF_ORDER_SEQUENCE_NUMBER after a refused batch) is never
 * the message's fault: it is retried and no row is blamed, let alone parked.
 */
const MESSAGE_REFUSALS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP']);

function isRefusalOfMessage(error: unknown): boolean {
  const top = error as ErrorShape | undefined;
  if (top?.retriable !== false || top.name === 'KafkaJSNumberOfRetriesExceeded') return false;
  for (let e: ErrorShape | undefined = top, depth = 0; e && depth < 5; e = (e.cause ?? e.originalError) as ErrorShape | undefined, depth += 1) {
    if (e.retriable === true || /Connection|Timeout|BrokerNotFound/.test(String(e.name))) return false;
    if (typeof e.type === 'string' && MESSAGE_REFUSALS.has(e.type)) return true;
  }
  return false;
}

function describe(error: unknown): string {
  const e = error as ErrorShape | undefined;
  const text = [typeof e?.type === 'string' ? e.type : e?.name, e?.message ?? String(error)].filter(Boolean).join(': ');
  return text.slice(0, 500);
}
