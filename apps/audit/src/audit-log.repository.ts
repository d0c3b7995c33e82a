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
import type { EventEnvelope } from '@airlock/contracts';
import { SCHEMA_LOCK_KEY, type Db, type DbTx } from '@airlock/database';
import { META } from './audit-log.migrations';
import { auditCheckpointEnvelope, toAuditRecord, type AuditRecord } from './audit-record';
import { filterSql, type AuditFilter, type AuditPageRequest } from './audit-query';

// One global order: appends hold this lock (two-int key space, per schema), so positions have no
// gaps and each record links to the one committed just before it, across all audit processes.
const CHAIN_LOCK_CLASS = 0x41550001;
const PUBLISH_LOCK_CLASS = 0x41550002;
// 4 parameters a row, well under PostgreSQL's 65,535 per statement.
const INSERT_CHUNK = 1_000;
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
};

type Pending = { input: AppendInput; resolve: (result: AppendResult) => void; reject: (error: unknown) => void };
type LinkRow = { position: string; prev_hash: string; record_hash: string; body: string };
type TracedLink = { link: ChainLink; traceHeaders?: Record<string, string> };
const toLink = (row: LinkRow): ChainLink => ({ position: Number(row.position), prevHash: row.prev_hash, recordHash: row.record_hash, body: row.body });

/**
 * The audit table as the writer role sees it: append and read, nothing else. Concurrent appends are
 * group-committed: calls arriving while a transaction runs share the next one.
 */
export class AuditLogRepository {
  private readonly queue: Pending[] = [];
  private flushing = false;
  private readonly maxBatch: number;

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
      this.queue.push({ input, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Appends in one transaction, in the order given; duplicates (also within the batch) add nothing. */
  async appendBatch(inputs: readonly AppendInput[]): Promise<AppendResult[]> {
    if (inputs.length === 0) return [];
    return this.write(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock($1, ${SCHEMA_LOCK_KEY})`, [CHAIN_LOCK_CLASS]);
      // Known event ids and the chain head in one round trip.
      const { rows } = await tx.query<LinkRow & { event_id: string | null }>(
        `SELECT position, prev_hash, record_hash, body, ${META.eventId} AS event_id FROM ${AUDIT_TABLES.records} WHERE ${META.eventId} = ANY($1::text[])
         UNION ALL (SELECT position, prev_hash, record_hash, NULL, NULL FROM ${AUDIT_TABLES.records} ORDER BY position DESC LIMIT 1)`,
        [inputs.map((i) => i.envelope.id)],
      );
      const headRow = rows.find((row) => row.event_id === null);
      const known = new Map(rows.filter((row) => row.event_id !== null).map((row) => [row.event_id as string, toAuditRecord(toLink(row))]));
      let head: ChainHead = headRow ? { position: Number(headRow.position), recordHash: headRow.record_hash } : GENESIS;
      const appended: TracedLink[] = [];
      const results = inputs.map((input): AppendResult => {
        const already = known.get(input.envelope.id);
        if (already) return { record: already, duplicate: true };
        const link = nextLink(head, recordBody(input));
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
        appended.push({ link, traceHeaders: input.traceHeaders });
        known.set(input.envelope.id, record);
        head = link;
        return { record, duplicate: false };
      });
      await this.insert(tx, appended);
      return results;
    });
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
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const results = await this.appendBatch(batch.map((p) => p.input));
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

  private async insert(tx: DbTx, links: TracedLink[]): Promise<void> {
    if (links.length === 0) return;
    // The audit topic is fed from this table by AuditPublisher: no second copy in the outbox.
    // Plain parameters, not arrays: pg escapes every quote of a JSON body inside an array literal.
    for (let i = 0; i < links.length; i += INSERT_CHUNK) {
      const chunk = links.slice(i, i + INSERT_CHUNK);
      const values = chunk.map((_, j) => `($${j * 5 + 1}::bigint, $${j * 5 + 2}, $${j * 5 + 3}, $${j * 5 + 4}, $${j * 5 + 5}::jsonb)`).join(', ');
      await tx.query(
        `INSERT INTO ${AUDIT_TABLES.records} (position, prev_hash, record_hash, body, trace_headers) VALUES ${values}`,
        chunk.flatMap(({ link, traceHeaders }) => [
          link.position,
          link.prevHash,
          link.recordHash,
          link.body.toString(),
          traceHeaders && Object.keys(traceHeaders).length > 0 ? JSON.stringify(traceHeaders) : null,
        ]),
      );
    }
  }
}
