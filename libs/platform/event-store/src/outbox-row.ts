import type { Queryable } from '@airlock/database';
import { currentTraceHeaders } from '@airlock/telemetry';

// Structured-mode CloudEvents over Kafka: the whole envelope is the value.
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';

/**
 * The Kafka headers every outbox row carries: the content type and the envelope's id and type, and
 * the W3C `traceparent` / `tracestate` of the span it was appended in (when tracing is on), so the
 * consumers continue the trace of the request that caused it (docs/operations.md, traces).
 */
export function outboxHeaders(id: string, type: string): Record<string, string> {
  return { 'content-type': CLOUDEVENTS_CONTENT_TYPE, ce_id: id, ce_type: type, ...currentTraceHeaders() };
}

/**
 * One envelope onto the outbox, in the caller's transaction: the one way besides the event store's
 * own batched append (access records, parking records) that a message reaches Kafka.
 */
export async function insertOutboxRow(tx: Queryable, row: { id: string; type: string; topic: string; key: string; envelope: unknown }): Promise<void> {
  await tx.query('INSERT INTO outbox (event_id, topic, key, payload, headers) VALUES ($1, $2, $3, $4, $5)', [
    row.id,
    row.topic,
    row.key,
    JSON.stringify(row.envelope),
    JSON.stringify(outboxHeaders(row.id, row.type)),
  ]);
}
