import { parseBody, type ChainLink, type Checkpoint } from '@airlock/access-log';
import type { EventEnvelope } from '@airlock/contracts';

export const AUDIT_RECORD_TYPE = 'airlock.audit.record.v1';
export const AUDIT_CHECKPOINT_TYPE = 'airlock.audit.checkpoint.v1';
export const AUDIT_SOURCE = '/airlock/audit';

/** A chained record as the auditors' API returns it. */
export type AuditRecord = {
  position: number;
  eventId: string;
  topic: string;
  recordedAt: string;
  prevHash: string;
  recordHash: string;
  envelope: EventEnvelope;
};

export function toAuditRecord(link: ChainLink): AuditRecord {
  const { envelope, recordedAt, topic } = parseBody(link) as { envelope: EventEnvelope; recordedAt: string; topic: string };
  return { position: link.position, eventId: envelope.id, topic, recordedAt, prevHash: link.prevHash, recordHash: link.recordHash, envelope };
}

/**
 * The security team's record on the audit topic (docs/asyncapi/airlock-audit.yaml): one CloudEvent
 * per act with its chain position and hashes. A consumer can recompute `recordHash` from `data`:
 * SHA-256 of "<position>\n<prevHash>\n" + canonical JSON of {envelope: event, recordedAt, topic}.
 */
export function auditRecordEnvelope(record: AuditRecord) {
  return {
    specversion: '1.0' as const,
    id: `audit-${record.position}`,
    source: AUDIT_SOURCE,
    type: AUDIT_RECORD_TYPE,
    subject: record.envelope.subject,
    time: record.recordedAt,
    datacontenttype: 'application/json' as const,
    data: {
      position: record.position,
      prevHash: record.prevHash,
      recordHash: record.recordHash,
      topic: record.topic,
      recordedAt: record.recordedAt,
      eventId: record.eventId,
      event: record.envelope,
    },
  };
}

/** A signed chain head, published so that checkpoints live outside the database too. */
export function auditCheckpointEnvelope(checkpoint: Checkpoint, publicKeyPem: string) {
  return {
    specversion: '1.0' as const,
    id: `audit-checkpoint-${checkpoint.position}-${checkpoint.keyId}`,
    source: AUDIT_SOURCE,
    type: AUDIT_CHECKPOINT_TYPE,
    subject: 'audit-chain',
    time: checkpoint.signedAt,
    datacontenttype: 'application/json' as const,
    data: { ...checkpoint, publicKey: publicKeyPem },
  };
}
