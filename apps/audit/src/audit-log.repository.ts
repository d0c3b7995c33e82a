import type { EventEnvelope } from '@airlock/contracts';
import type { Db } from '@airlock/database';
import { GENESIS_HASH, recordHash, type ChainedRecord } from './hash-chain';

export const auditLogMigrations = [
  {
    id: 'audit-001-audit-log',
    sql: `CREATE TABLE IF NOT EXISTS audit_log (
      position bigint PRIMARY KEY,
      event_id text NOT NULL UNIQUE,
      topic text NOT NULL,
      subject text NOT NULL,
      type text NOT NULL,
      actor_id text NOT NULL,
      envelope jsonb NOT NULL,
      recorded_at text NOT NULL,
      prev_hash text NOT NULL,
      record_hash text NOT NULL
    );
    CREATE INDEX IF NOT EXISTS audit_log_subject ON audit_log (subject, position);
    CREATE TABLE IF NOT EXISTS audit_published (position bigint PRIMARY KEY);`,
  },
];

// One global order: appends take this lock, so positions have no gaps and each record links
// to the one committed just before it.
const CHAIN_LOCK = 0x41554454; // 'AUDT'

type Row = { position: string; event_id: string; topic: string; envelope: unknown; recorded_at: string; prev_hash: string; record_hash: string };

const toRecord = (row: Row): ChainedRecord => ({
  position: Number(row.position), eventId: row.event_id, topic: row.topic, envelope: row.envelope,
  recordedAt: row.recorded_at, prevHash: row.prev_hash, recordHash: row.record_hash,
});

export type AuditQuery = { subject?: string; type?: string; actorId?: string; afterPosition?: number; limit: number };

export class AuditLogRepository {
  constructor(private readonly db: Db) {}

  /** Appends once per event id; a redelivered event returns the record it already has. */
  async append(topic: string, envelope: EventEnvelope, recordedAt: string): Promise<{ record: ChainedRecord; duplicate: boolean }> {
    return this.db.withTransaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
      const existing = await tx.query<Row>('SELECT * FROM audit_log WHERE event_id = $1', [envelope.id]);
      if (existing.rows[0]) return { record: toRecord(existing.rows[0]), duplicate: true };
      const last = await tx.query<Row>('SELECT position, record_hash FROM audit_log ORDER BY position DESC LIMIT 1');
      const position = last.rows[0] ? Number(last.rows[0].position) + 1 : 1;
      const base = { position, eventId: envelope.id, topic, envelope, recordedAt, prevHash: last.rows[0]?.record_hash ?? GENESIS_HASH };
      const record = { ...base, recordHash: recordHash(base) };
      await tx.query(
        `INSERT INTO audit_log (position, event_id, topic, subject, type, actor_id, envelope, recorded_at, prev_hash, record_hash)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
        [position, envelope.id, topic, envelope.subject, envelope.type, envelope.actor.userId, JSON.stringify(envelope), recordedAt, record.prevHash, record.recordHash],
      );
      return { record, duplicate: false };
    });
  }

  async isPublished(position: number): Promise<boolean> {
    return (await this.db.query('SELECT 1 FROM audit_published WHERE position = $1', [position])).rowCount > 0;
  }

  async markPublished(position: number): Promise<void> {
    await this.db.query('INSERT INTO audit_published (position) VALUES ($1) ON CONFLICT DO NOTHING', [position]);
  }

  async query(q: AuditQuery): Promise<ChainedRecord[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM audit_log WHERE ($1::text IS NULL OR subject = $1) AND ($2::text IS NULL OR type = $2)
         AND ($3::text IS NULL OR actor_id = $3) AND position > $4 ORDER BY position LIMIT $5`,
      [q.subject ?? null, q.type ?? null, q.actorId ?? null, q.afterPosition ?? 0, q.limit],
    );
    return rows.map(toRecord);
  }

  /** Streams the whole chain in pages, in position order, for verification. */
  async *all(pageSize = 5000): AsyncGenerator<ChainedRecord> {
    let after = 0;
    for (;;) {
      const { rows } = await this.db.query<Row>('SELECT * FROM audit_log WHERE position > $1 ORDER BY position LIMIT $2', [after, pageSize]);
      for (const row of rows) yield toRecord(row);
      if (rows.length < pageSize) return;
      after = Number(rows[rows.length - 1].position);
    }
  }
}
