import { MalformedEnvelopeError, parseEnvelope, type EventEnvelope } from '@airlock/contracts';
import { PermanentMessageError, type ReceivedMessage } from '@airlock/messaging';
import { currentTraceHeaders } from '@airlock/telemetry';
import type { Logger } from 'pino';
import type { AuditLogRepository } from './audit-log.repository';

export { auditRecordEnvelope, AUDIT_RECORD_TYPE } from './audit-record';

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
