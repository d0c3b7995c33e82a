import { MalformedEnvelopeError, Topics, parseEnvelope, type EventEnvelope } from '@airlock/contracts';
import { PermanentMessageError, type MessageBus, type ReceivedMessage } from '@airlock/messaging';
import type { Logger } from 'pino';
import type { AuditLogRepository } from './audit-log.repository';
import type { ChainedRecord } from './hash-chain';

export const AUDIT_RECORD_TYPE = 'airlock.audit.record.v1';

/** The security team's record: one CloudEvent per act, with its chain position and hashes. */
export function auditRecordEnvelope(record: ChainedRecord) {
  const event = record.envelope as EventEnvelope;
  return {
    specversion: '1.0', id: `audit-${record.position}`, source: '/airlock/audit', type: AUDIT_RECORD_TYPE,
    subject: event.subject, time: record.recordedAt, datacontenttype: 'application/json',
    data: { position: record.position, prevHash: record.prevHash, recordHash: record.recordHash, topic: record.topic, event },
  };
}

export class AuditWorker {
  constructor(
    private readonly log: AuditLogRepository,
    private readonly bus: MessageBus,
    private readonly logger: Logger,
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
    const { record, duplicate } = await this.log.append(message.topic, envelope, this.clock().toISOString());
    if (duplicate && (await this.log.isPublished(record.position))) return;
    // At least once on the audit topic: consumers deduplicate on the chain position.
    await this.bus.publish([{ topic: Topics.audit, key: envelope.subject, value: JSON.stringify(auditRecordEnvelope(record)) }]);
    await this.log.markPublished(record.position);
    if (!duplicate) this.logger.debug({ position: record.position, type: envelope.type, subject: envelope.subject }, 'audit record appended');
  }
}
