import { MalformedEnvelopeError, parseEnvelope, type EventEnvelope } from '@airlock/contracts';
import { PermanentMessageError, type ReceivedMessage } from '@airlock/messaging';
import { currentTraceHeaders } from '@airlock/telemetry';
import type { Logger } from 'pino';
import type { AuditLogRepository } from './audit-log.repository';

export { auditRecordEnvelope, AUDIT_RECORD_TYPE } from './audit-record';

// A surrogate or U+0000 escape in the message's text. Our producers write non-ASCII as UTF-8 (the events come
// out of jsonb, which cannot hold a lone surrogate), so only a message that has one is walked.
const SURROGATE_ESCAPE = /\\u(?:[dD][89a-fA-F]|0000)/;
// eslint-disable-next-line no-control-regex -- U+0000 is what this looks for (jsonb cannot hold it either)
const LONE_SURROGATE = /[\p{Cs}\u0000]/u;

/** True when a string, or an object key, anywhere in the value is not well-formed UTF-16 or holds U+0000. */
function holdsLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(holdsLoneSurrogate);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, member]) => LONE_SURROGATE.test(key) || holdsLoneSurrogate(member));
}

/**
 * Appends every message of the audited topics to the chain. The append and the audit topic's outbox
 * row commit together, so a redelivery (same event id) adds nothing and publishes nothing again.
 */
export class AuditWorker {
  constructor(
    private readonly log: AuditLogRepository,
    private readonly logger: Logger,
    private readonly onAppended: (count: number) => void = () => undefined,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async onMessage(message: ReceivedMessage): Promise<void> {
    let envelope: EventEnvelope;
    try {
      envelope = parseEnvelope(message.value);
    } catch (error) {
      if (error instanceof MalformedEnvelopeError) throw new PermanentMessageError(error.message);
      throw error;
    }
    // PostgreSQL cannot read such a body back as JSON: the checkpointer's check of every record's
    // meta would fail on it and stop signing. Dead-lettered (and so seen), never appended.
    if (SURROGATE_ESCAPE.test(message.value) && holdsLoneSurrogate(envelope)) {
      throw new PermanentMessageError('The event holds a lone surrogate (not well-formed Unicode): it cannot be recorded as JSON');
    }
    const { record, duplicate } = await this.log.append({
      topic: message.topic,
      envelope,
      recordedAt: this.clock().toISOString(),
      traceHeaders: traceHeadersOf(message),
    });
    if (duplicate) return;
    this.onAppended(1);
    this.logger.debug({ position: record.position, type: envelope.type, subject: envelope.subject }, 'audit record appended');
  }
}

const W3C_TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

/**
 * The trace context the audit topic's copy continues: this consumer's span when tracing runs here
 * (it hangs from the event's own context), else the context the event arrived with, unchanged.
 */
function traceHeadersOf(message: ReceivedMessage): Record<string, string> {
  const arrived = Object.fromEntries(W3C_TRACE_HEADERS.flatMap((name) => (message.headers?.[name] ? [[name, message.headers[name]]] : [])));
  const active = currentTraceHeaders();
  return active.traceparent ? active : arrived;
}
