import {
  AUDIT_TABLES,
  GENESIS,
  chainHead,
  nextLink,
  readChainPages,
  recordBody,
  toCheckpoint,
  type ChainHead,
  type ChainLink,
  type Checkpoint,
} from '@airlock/access-log';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { EventEnvelope } from '@airlock/contracts';
import { SCHEMA_LOCK_KEY, type CopyInTarget, type Db, type DbTx } from '@airlock/database';
import { META } from './audit-log.migrations';
import { AUDIT_COPY_COLUMNS, encodeAuditCopy } from './audit-record-copy';
import { auditCheckpointEnvelope, toAuditRecord, type AuditRecord } from './audit-record';
import { recordMeta } from './audit-record-meta';
import { filterSql, type AuditFilter, type AuditPageRequest } from './audit-query';

// One global order: positions are claimed through the primary key (a batch chained onto a head that
// is no longer the head is refused whole) or under this lock (two-int key space, per schema), so
// positions have no gaps and each record links to the one committed just before it, across all
// audit processes.
const CHAIN_LOCK_CLASS = 0x41550001;
const PUBLISH_LOCK_CLASS = 0x41550002;
// Rows a statement: serialising and hashing one chunk overlaps the database writing the previous
// one. With INSERT, 6 parameters a row, well under PostgreSQL's 65,535 per statement.
const INSERT_CHUNK = 1_000;
// Rows serialised and hashed between two turns of the event loop while a chunk is in the database.
const YIELD_EVERY = 100;
// Careful-path tries when writers in other processes keep taking the next positions.
const LOCKED_ATTEMPTS = 5;
const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';

/** `traceHeaders`: the W3C trace context of the consumed event, kept beside the record (never hashed) for the audit topic. */
export type AppendInput = { topic: string; envelope: EventEnvelope; recordedAt: string; traceHeaders?: Record<string, string> };
/** A record as the audit topic publishes it, with the trace context it continues. */
export type PublishableRecord = { record: AuditRecord; traceHeaders: Record<string, string> };
export type AppendResult = { record: AuditRecord; duplicate: boolean };

export type AuditLogRepositoryOptions = {
  /** Where checkpoints are published (through the outbox, with the checkpoint's insert). */
  auditTopic: string;
  /** `SET LOCAL ROLE` for write transactions, when the connection itself is not bound to the writer role (embedded). */
  actAs?: string;
  /** Most appends committed in one transaction. */
  maxBatch?: number;
  /**
   * How rows reach the table: `copy` (COPY FROM STDIN, binary; the default) or `values` (a multi-row
   * INSERT), for servers without COPY FROM STDIN such as the embedded PGlite's socket server.
   */
  insertWith?: 'copy' | 'values';
};

/** An append with the head-independent work done: the hashed body and the query fields. */
type Prepared = { body: string; meta: string | null };
type PreparedAppend = { input: AppendInput; prepared?: Prepared };
type Pending = { prepared: PreparedAppend; resolve: (result: AppendResult) => void; reject: (error: unknown) => void };
type PreparedLink = { link: ChainLink; meta: string | null; traceHeaders?: Record<string, string> };
type ChainedBatch = { results: AppendResult[]; head: ChainHead };

const prepare = (input: AppendInput): Prepared => ({ body: recordBody(input), meta: recordMeta(input) });
const isUniqueViolation = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === '23505';
type LinkRow = { position: string; prev_hash: string; record_hash: string; body: string };
const toLink = (row: LinkRow): ChainLink => ({ position: Number(row.position), prevHash: row.prev_hash, recordHash: row.record_hash, body: row.body });

/**
 * The audit table as the writer role sees it: append and read, nothing else. Concurrent appends are
 * group-committed: calls arriving while a transaction runs share the next one.
 */
export class AuditLogRepository {
  private readonly queue: Pending[] = [];
  private flushing = false;
  private readonly maxBatch: number;
  /** The chain head as this process last committed or read it under the lock (never ahead of the database). */
  private lastHead: ChainHead | undefined;

  constructor(
    readonly db: Db,
    private readonly options: AuditLogRepositoryOptions,
  ) {
    if (options.actAs !== undefined && !/^[a-z_][a-z0-9_]*$/.test(options.actAs)) throw new Error(`invalid role name ${options.actAs}`);
    this.maxBatch = options.maxBatch ?? 500;
  }

  /** Appends once per event id; a redelivered event returns the record it already has. */
  append(input: AppendInput): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      // The body and query fields are built as the delivery arrives, while an earlier batch is in the
      // database (inside the executor: an event that cannot be serialised rejects, as before).
      this.queue.push({ prepared: { input, prepared: prepare(input) }, resolve, reject });
      if (this.flushing) return;
      // Started once the deliveries of this turn of the event loop have all queued: started at
      // once, a batch would hold only the first of them (the handlers a commit released resume one
      // by one), and the rest would wait for that batch's round trip.
      this.flushing = true;
      setImmediate(() => void this.flush());
    });
  }

  /** Appends in one transaction, in the order given; duplicates (also within the batch) add nothing. */
  async appendBatch(inputs: readonly AppendInput[]): Promise<AppendResult[]> {
    // Bodies are built chunk by chunk as the batch is inserted (`chainAndInsert`), not all up front.
    return this.appendPrepared(inputs.map((input) => ({ input })));
  }

  /**
   * Fast path: the batch is chained onto the head this process last saw committed and inserted in
   * one statement, with no lock and no read. It cannot go wrong silently: if another writer took
   * those positions the primary key refuses them, and a redelivered event id its unique index;
   * either way nothing was written and the batch goes the careful way. Careful path: under the chain
   * lock, read the head and which of the batch's event ids are already recorded, then insert.
   * A batch is always one statement or one transaction: it is written whole or not at all.
   */
  private async appendPrepared(batch: readonly PreparedAppend[]): Promise<AppendResult[]> {
    if (batch.length === 0) return [];
    const cached = this.lastHead;
    if (cached) {
      try {
        return this.committed(await this.writeBatch(batch.length, (q) => this.chainAndInsert(q, cached, new Map(), batch)));
      } catch (error) {
        this.lastHead = undefined;
        if (!isUniqueViolation(error)) throw error;
      }
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        return this.committed(await this.write((tx) => this.lockedAppend(tx, batch)));
      } catch (error) {
        this.lastHead = undefined;
        // Only a writer on the fast path (another process) can take positions while we hold the lock.
        if (!isUniqueViolation(error) || attempt >= LOCKED_ATTEMPTS) throw error;
      }
    }
  }

  private async lockedAppend(tx: DbTx, batch: readonly PreparedAppend[]): Promise<ChainedBatch> {
    await tx.query(`SELECT pg_advisory_xact_lock($1, ${SCHEMA_LOCK_KEY})`, [CHAIN_LOCK_CLASS]);
    // Known event ids and the chain head in one round trip.
    const { rows } = await tx.query<LinkRow & { event_id: string | null }>(
      `SELECT position, prev_hash, record_hash, body, ${META.eventId} AS event_id FROM ${AUDIT_TABLES.records} WHERE ${META.eventId} = ANY($1::text[])
       UNION ALL (SELECT position, prev_hash, record_hash, NULL, NULL FROM ${AUDIT_TABLES.records} ORDER BY position DESC LIMIT 1)`,
      [batch.map((p) => p.input.envelope.id)],
    );
    const headRow = rows.find((row) => row.event_id === null);
    const known = new Map(rows.filter((row) => row.event_id !== null).map((row) => [row.event_id as string, toAuditRecord(toLink(row))]));
    const head: ChainHead = headRow ? { position: Number(headRow.position), recordHash: headRow.record_hash } : GENESIS;
    return this.chainAndInsert(tx, head, known, batch);
  }

  /**
   * Links the batch after `head` (skipping event ids in `known` or seen earlier in the batch) and
   * inserts it, a chunk a statement: each chunk is serialised and hashed while the previous one is
   * in the database, so the two cores work at once.
   */
  private async chainAndInsert(q: CopyInTarget, head: ChainHead, known: Map<string, AuditRecord>, batch: readonly PreparedAppend[]): Promise<ChainedBatch> {
    let last = head;
    const results: AppendResult[] = [];
    let inFlight: Promise<void> | undefined;
    for (let i = 0; i < batch.length; i += INSERT_CHUNK) {
      const appended: PreparedLink[] = [];
      const chunk = batch.slice(i, i + INSERT_CHUNK);
      for (let j = 0; j < chunk.length; j += 1) {
        // Turns of the event loop while the previous chunk is in the database: its data leaves the
        // socket and its replies are read only then (a COPY waits for the server's go-ahead).
        if (inFlight && j > 0 && j % YIELD_EVERY === 0) await yieldToIo();
        const item = chunk[j];
        const { input } = item;
        const already = known.get(input.envelope.id);
        if (already) {
          results.push({ record: already, duplicate: true });
          continue;
        }
        // Not kept on the item: garbage that dies young is cheap, and a batch retried under the lock
        // (rare: another process took the positions) is serialised again.
        const prepared = item.prepared ?? prepare(input);
        const link = nextLink(last, prepared.body);
        const { topic, recordedAt, envelope } = input;
        const record: AuditRecord = {
          position: link.position,
          eventId: envelope.id,
          topic,
          recordedAt,
          prevHash: link.prevHash,
          recordHash: link.recordHash,
          envelope,
        };
        appended.push({ link, meta: prepared.meta, traceHeaders: input.traceHeaders });
        known.set(envelope.id, record);
        last = link;
        results.push({ record, duplicate: false });
      }
      if (inFlight) await inFlight;
      inFlight = this.insertChunk(q, appended);
      // Observed at once: if building the next chunk throws, this one's failure is not left unhandled.
      inFlight.catch(() => undefined);
    }
    await inFlight;
    return { results, head: last };
  }

  /** After the commit: the new head is where this process's next fast-path batch starts. */
  private committed({ results, head }: ChainedBatch): AppendResult[] {
    if (!this.lastHead || head.position > this.lastHead.position) this.lastHead = head;
    return results;
  }

  /** One statement on the pool when the batch fits in one (it commits alone); a transaction otherwise. */
  private writeBatch<T>(rows: number, fn: (q: CopyInTarget) => Promise<T>): Promise<T> {
    return rows <= INSERT_CHUNK && !this.options.actAs ? fn(this.db) : this.write(fn);
  }

  async head(): Promise<ChainHead> {
    return chainHead(this.db);
  }

  /** Keyset page in position order. */
  async query(filter: AuditFilter, page: AuditPageRequest): Promise<AuditRecord[]> {
    const { where, params } = filterSql(filter);
    const { rows } = await this.db.query<LinkRow>(
      `SELECT position, prev_hash, record_hash, body FROM ${AUDIT_TABLES.records}
       WHERE ${where} AND position > $${params.length + 1} ORDER BY position LIMIT $${params.length + 2}`,
      [...params, page.after, page.limit],
    );
    return rows.map((row) => toAuditRecord(toLink(row)));
  }

  /** Streams the matching records page by page, for exports. */
  async *stream(filter: AuditFilter, pageSize = 1_000): AsyncGenerator<ChainLink[]> {
    const { where, params } = filterSql(filter);
    let after = 0;
    for (;;) {
      const { rows } = await this.db.query<LinkRow>(
        `SELECT position, prev_hash, record_hash, body FROM ${AUDIT_TABLES.records}
         WHERE ${where} AND position > $${params.length + 1} ORDER BY position LIMIT $${params.length + 2}`,
        [...params, after, pageSize],
      );
      if (rows.length > 0) yield rows.map(toLink);
      if (rows.length < pageSize) return;
      after = Number(rows[rows.length - 1].position);
    }
  }

  /** The whole chain or a range, in pages, for verification. */
  pages(from: number, to?: number): AsyncGenerator<ChainLink[]> {
    return readChainPages(this.db, { from, to });
  }

  /**
   * The first record in `from..to` whose query fields (`meta`, written by the appender) are not what
   * the database derives from its hashed body; the checkpointer refuses to sign over one.
   */
  async metaMismatch(from: number, to: number): Promise<number | undefined> {
    const { rows } = await this.db.query<{ position: string }>(
      `SELECT position FROM ${AUDIT_TABLES.records} WHERE position >= $1 AND position <= $2 AND meta IS DISTINCT FROM audit_record_meta(body)
       ORDER BY position LIMIT 1`,
      [from, to],
    );
    return rows[0] ? Number(rows[0].position) : undefined;
  }

  /** The newest checkpoint signed by one of `keyIds` (the current key, or also the retired ones). */
  async latestCheckpoint(keyIds: string | readonly string[], atMost = Number.MAX_SAFE_INTEGER): Promise<(Checkpoint & { publicKeyPem: string }) | undefined> {
    const { rows } = await this.db.query<Parameters<typeof toCheckpoint>[0]>(
      `SELECT position, head_hash, signed_at, key_id, signature, public_key FROM ${AUDIT_TABLES.checkpoints}
       WHERE key_id = ANY($1::text[]) AND position <= $2 ORDER BY position DESC LIMIT 1`,
      [typeof keyIds === 'string' ? [keyIds] : [...keyIds], atMost],
    );
    return rows[0] ? toCheckpoint(rows[0]) : undefined;
  }

  async listCheckpoints(limit: number): Promise<(Checkpoint & { publicKeyPem: string })[]> {
    const { rows } = await this.db.query<Parameters<typeof toCheckpoint>[0]>(
      `SELECT position, head_hash, signed_at, key_id, signature, public_key FROM ${AUDIT_TABLES.checkpoints} ORDER BY position DESC LIMIT $1`,
      [limit],
    );
    return rows.map(toCheckpoint);
  }

  /** Stores a signed head and publishes it on the audit topic; a second signer of the same head adds nothing. */
  async saveCheckpoint(checkpoint: Checkpoint, publicKeyPem: string): Promise<void> {
    await this.write(async (tx) => {
      const { rowCount } = await tx.query(
        `INSERT INTO ${AUDIT_TABLES.checkpoints} (position, head_hash, signed_at, key_id, signature, public_key)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (position, key_id) DO NOTHING`,
        [checkpoint.position, checkpoint.headHash, checkpoint.signedAt, checkpoint.keyId, checkpoint.signature, publicKeyPem],
      );
      if (rowCount === 0) return;
      const envelope = auditCheckpointEnvelope(checkpoint, publicKeyPem);
      await tx.query('INSERT INTO outbox (event_id, topic, key, payload, headers) VALUES ($1, $2, $3, $4, $5)', [
        envelope.id,
        this.options.auditTopic,
        envelope.subject,
        JSON.stringify(envelope),
        JSON.stringify({ 'content-type': CLOUDEVENTS_CONTENT_TYPE, ce_id: envelope.id, ce_type: envelope.type }),
      ]);
    });
  }

  /**
   * Hands the records after this topic's cursor to `publish` and advances the cursor once it
   * resolved (the broker acknowledged). One publisher at a time across processes, so records leave
   * in position order; a crash before the cursor moves publishes them again (consumers dedupe on id).
   */
  async publishNext(topic: string, limit: number, publish: (records: PublishableRecord[]) => Promise<void>): Promise<number> {
    return this.write(async (tx) => {
      const { rows: lock } = await tx.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock($1, ${SCHEMA_LOCK_KEY}) AS locked`, [PUBLISH_LOCK_CLASS]);
      if (!lock[0].locked) return 0;
      await tx.query('INSERT INTO audit_publication (topic, position) VALUES ($1, 0) ON CONFLICT (topic) DO NOTHING', [topic]);
      const { rows: cursor } = await tx.query<{ position: string }>('SELECT position FROM audit_publication WHERE topic = $1', [topic]);
      const { rows } = await tx.query<LinkRow & { trace_headers: Record<string, string> | null }>(
        `SELECT position, prev_hash, record_hash, body, trace_headers FROM ${AUDIT_TABLES.records} WHERE position > $1 ORDER BY position LIMIT $2`,
        [Number(cursor[0].position), limit],
      );
      if (rows.length === 0) return 0;
      await publish(rows.map((row) => ({ record: toAuditRecord(toLink(row)), traceHeaders: row.trace_headers ?? {} })));
      await tx.query('UPDATE audit_publication SET position = $2 WHERE topic = $1', [topic, Number(rows[rows.length - 1].position)]);
      return rows.length;
    });
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const results = await this.appendPrepared(batch.map((p) => p.prepared));
          batch.forEach((p, i) => p.resolve(results[i]));
        } catch (error) {
          batch.forEach((p) => p.reject(error));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private write<T>(fn: (tx: DbTx) => Promise<T>): Promise<T> {
    return this.db.withTransaction(async (tx) => {
      if (this.options.actAs) await tx.query(`SET LOCAL ROLE ${this.options.actAs}`);
      return fn(tx);
    });
  }

  private async insertChunk(q: CopyInTarget, chunk: PreparedLink[]): Promise<void> {
    if (chunk.length === 0) return;
    // The audit topic is fed from this table by AuditPublisher: no second copy in the outbox.
    // A null `meta` is derived from the body by the database (migration audit-005).
    const rows = chunk.map(({ link, meta, traceHeaders }) => ({
      position: link.position,
      prevHash: link.prevHash,
      recordHash: link.recordHash,
      body: link.body.toString(),
      traceHeaders: traceHeaders && Object.keys(traceHeaders).length > 0 ? JSON.stringify(traceHeaders) : null,
      meta,
    }));
    if (this.options.insertWith !== 'values') {
      await q.copyIn(`COPY ${AUDIT_TABLES.records} ${AUDIT_COPY_COLUMNS} FROM STDIN (FORMAT binary)`, encodeAuditCopy(rows));
      return;
    }
    // Plain parameters, not arrays: pg escapes every quote of a JSON body inside an array literal.
    const values = rows
      .map((_, j) => `($${j * 6 + 1}::bigint, $${j * 6 + 2}, $${j * 6 + 3}, $${j * 6 + 4}, $${j * 6 + 5}::jsonb, $${j * 6 + 6}::jsonb)`)
      .join(', ');
    const params = rows.flatMap((row) => [row.position, row.prevHash, row.recordHash, row.body, row.traceHeaders, row.meta]);
    await q.query(`INSERT INTO ${AUDIT_TABLES.records} ${AUDIT_COPY_COLUMNS} VALUES ${values}`, params);
  }
}
