import { randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR, Topics, type EventEnvelope } from '@airlock/contracts';
import type { Db, Queryable } from '@airlock/database';
import { insertOutboxRow } from './outbox-row';

// Invariant 9 (no slow poison): an outbox row the broker can never take is parked instead of
// retried forever. Parking, and an operator's replay, are facts for the audit log: they go out
// through the outbox like every other record, on a topic the audit service consumes.
export const OUTBOX_PARKED_TYPE = 'airlock.outbox.message-parked.v1';
export const OUTBOX_REPLAYED_TYPE = 'airlock.outbox.message-replayed.v1';
const SOURCE = '/airlock/outbox-relay';

/** What the audit record names of a parked row: never the event's data. */
export type ParkedMessage = {
  outboxId: string;
  eventId: string;
  eventType: string | null;
  streamId: string | null;
  topic: string;
  key: string;
  sizeBytes: number;
  attempts: number;
  reason: string;
};

export type OutboxSystemRecordData =
  | (Omit<ParkedMessage, 'outboxId'> & { parkedAt: string })
  | { eventId: string; eventType: string | null; streamId: string | null; topic: string; replayedBy: string; replayedAt: string };

/** Writes a system record (parked, replayed) into the outbox in the caller's transaction. */
export async function recordOutboxSystemEvent(
  tx: Queryable,
  type: typeof OUTBOX_PARKED_TYPE | typeof OUTBOX_REPLAYED_TYPE,
  data: OutboxSystemRecordData,
  topic: string = Topics.accessEvents,
): Promise<EventEnvelope<OutboxSystemRecordData>> {
  const id = randomUUID();
  const time = 'parkedAt' in data ? data.parkedAt : data.replayedAt;
  // Its own stream and key: a record about a held-back stream must never be held back with it.
  const envelope: EventEnvelope<OutboxSystemRecordData> = {
    specversion: '1.0',
    id,
    source: SOURCE,
    type,
    subject: data.streamId ?? data.eventId,
    time,
    datacontenttype: 'application/json',
    streamId: `outbox-${id}`,
    streamVersion: 1,
    actor: SYSTEM_ACTOR,
    correlationId: data.eventId,
    causationId: data.eventId,
    data,
  };
  await insertOutboxRow(tx, { id, type, topic, key: `outbox:${data.eventId}`, envelope });
  return envelope;
}

export type ParkedRow = {
  eventId: string;
  eventType: string | null;
  streamId: string | null;
  topic: string;
  key: string;
  attempts: number;
  parkedAt: Date;
  reason: string | null;
};

/** The rows parked and not yet replayed, oldest first. */
export async function listParked(db: Queryable): Promise<ParkedRow[]> {
  const { rows } = await db.query<ParkedRow>(
    `SELECT event_id AS "eventId", payload->>'type' AS "eventType", payload->>'streamId' AS "streamId", topic, key, attempts,
            parked_at AS "parkedAt", park_reason AS reason
     FROM outbox WHERE parked_at IS NOT NULL AND published_at IS NULL ORDER BY id`,
  );
  return rows;
}

export type ReplayOptions = {
  /** The parked events to replay; all parked rows when omitted. */
  eventIds?: readonly string[];
  /** Who asked (an operator's id), for the audit record. */
  by: string;
  topic?: string;
};

/**
 * Puts parked rows back in line (after the operator fixed the cause: raised the topic's limit,
 * repaired the broker): their retry count starts again and the streams they held back flow once
 * they are published. Each replay is audited. Returns the replayed event ids.
 */
export async function replayParked(db: Db, { eventIds, by, topic }: ReplayOptions): Promise<string[]> {
  return db.withTransaction(async (tx) => {
    const { rows } = await tx.query<{ event_id: string; topic: string; type: string | null; stream_id: string | null }>(
      `UPDATE outbox SET parked_at = NULL, park_reason = NULL, attempts = 0, first_failed_at = NULL, next_attempt_at = NULL, last_error = NULL
     WHERE parked_at IS NOT NULL AND published_at IS NULL AND ($1::text[] IS NULL OR event_id = ANY($1::text[]))
     RETURNING event_id, topic, payload->>'type' AS type, payload->>'streamId' AS stream_id`,
      [eventIds ? [...eventIds] : null],
    );
    const replayedAt = new Date().toISOString();
    for (const row of rows) {
      await recordOutboxSystemEvent(
        tx,
        OUTBOX_REPLAYED_TYPE,
        { eventId: row.event_id, eventType: row.type, streamId: row.stream_id, topic: row.topic, replayedBy: by, replayedAt },
        topic,
      );
    }
    return rows.map((row) => row.event_id);
  });
}
