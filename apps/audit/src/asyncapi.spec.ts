import { readFileSync } from 'node:fs';
import path from 'node:path';
import { accessEnvelope, generateSigningKey, signCheckpoint } from '@airlock/access-log';
import { Topics } from '@airlock/contracts';
import { parse } from 'yaml';
import { auditCheckpointEnvelope, auditRecordEnvelope, type AuditRecord } from './audit-record';
import { anEnvelope } from './audit.test-kit';

type Schema = { required?: string[]; properties?: Record<string, unknown>; $ref?: string; allOf?: Schema[] };
type AsyncApi = { asyncapi: string; channels: Record<string, { address: string }>; components: { schemas: Record<string, Schema> } };

const doc = parse(readFileSync(path.resolve(__dirname, '../../../docs/asyncapi/airlock-audit.yaml'), 'utf8')) as AsyncApi;
const schema = (name: string) => doc.components.schemas[name];
const sorted = (keys: Iterable<string>) => [...keys].sort();

const record: AuditRecord = {
  position: 7,
  eventId: 'e-7',
  topic: Topics.requestEvents,
  recordedAt: '2026-11-28T00:00:00.000Z',
  prevHash: 'a'.repeat(64),
  recordHash: 'b'.repeat(64),
  envelope: anEnvelope({ id: 'e-7' }),
};

describe('the AsyncAPI document of the audit stream', () => {
  it('is AsyncAPI 3 and names the topics the code uses', () => {
    expect(doc.asyncapi).toMatch(/^3\./);
    expect(sorted(Object.values(doc.channels).map((c) => c.address))).toEqual(
      sorted([Topics.audit, Topics.requestEvents, Topics.accessEvents, 'airlock.registry-events.v1']),
    );
  });

  it('requires exactly the fields auditRecordEnvelope produces', () => {
    const produced = auditRecordEnvelope(record);
    expect(sorted(schema('AuditRecord').required ?? [])).toEqual(sorted(Object.keys(produced)));
    expect(sorted(schema('AuditRecordData').required ?? [])).toEqual(sorted(Object.keys(produced.data)));
    expect(sorted(Object.keys(schema('AuditRecord').properties ?? {}))).toEqual(sorted(Object.keys(produced)));
  });

  it('requires exactly the fields of a checkpoint message', () => {
    const { key } = generateSigningKey();
    const produced = auditCheckpointEnvelope(signCheckpoint(key, { position: 3, headHash: 'c'.repeat(64) }, '2026-11-28T00:00:00.000Z'), 'PEM');
    expect(sorted(schema('AuditCheckpoint').required ?? [])).toEqual(sorted(Object.keys(produced)));
    expect(sorted(schema('AuditCheckpointData').required ?? [])).toEqual(sorted(Object.keys(produced.data)));
  });

  it('describes the envelope every audited event carries', () => {
    const access = accessEnvelope(
      { kind: 'denied', actor: { userId: 'u', roles: [] }, action: 'GET /x', outcome: 'denied', at: '2026-11-28T00:00:00.000Z' },
      { id: 'a', source: '/airlock/test' },
    );
    expect(sorted(schema('EventEnvelope').required ?? [])).toEqual(sorted(Object.keys(access)));
    expect(sorted(Object.keys(record.envelope))).toEqual(sorted(schema('EventEnvelope').required ?? []));
    expect(sorted(schema('AccessEventData').required ?? [])).toEqual(sorted(['action', 'outcome']));
  });
});
