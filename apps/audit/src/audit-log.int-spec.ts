import { Topics } from '@airlock/contracts';
import { verifyStoredChain } from '@airlock/access-log';
import pino from 'pino';
import { AuditPublisher, type AuditMessage } from './audit-publisher';
import { anEnvelope, freshAuditSchema, type AuditSchema } from './audit.test-kit';

let audit: AuditSchema;

beforeAll(async () => {
  audit = await freshAuditSchema('audit_log');
});

afterAll(async () => {
  await audit?.dispose();
});

const at = () => new Date().toISOString();

describe('the audit log on real PostgreSQL, as the writer role', () => {
  it('appends concurrent deliveries in one gap-free order that verifies', async () => {
    const log = audit.repository();
    const start = (await log.head()).position;
    const envelopes = Array.from({ length: 300 }, (_, n) => anEnvelope({ data: { n } }));
    const results = await Promise.all(envelopes.map((envelope) => log.append({ topic: Topics.requestEvents, envelope, recordedAt: at() })));
    expect(results.map((r) => r.record.position).sort((a, b) => a - b)).toEqual(envelopes.map((_, i) => start + i + 1));
    expect(results.every((r) => !r.duplicate)).toBe(true);
    expect(await verifyStoredChain(audit.writer)).toMatchObject({ valid: true, count: start + 300 });
  });

  it('adds nothing for a duplicate delivery, in a later batch or in the same one', async () => {
    const log = audit.repository();
    const envelope = anEnvelope();
    const first = await log.append({ topic: Topics.requestEvents, envelope, recordedAt: at() });
    const again = await log.append({ topic: Topics.requestEvents, envelope, recordedAt: at() });
    const twiceInOne = anEnvelope();
    const batch = await log.appendBatch([twiceInOne, twiceInOne].map((e) => ({ topic: Topics.requestEvents, envelope: e, recordedAt: at() })));
    expect(again).toEqual({ record: first.record, duplicate: true });
    expect(batch.map((r) => r.duplicate)).toEqual([false, true]);
    expect(batch[1].record.position).toBe(batch[0].record.position);
    const { rows } = await audit.owner.query<{ n: string }>(`SELECT count(*) AS n FROM audit_records WHERE meta->>'eventId' = ANY($1)`, [
      [envelope.id, twiceInOne.id],
    ]);
    expect(Number(rows[0].n)).toBe(2);
  });

  it('publishes each record once on the audit topic, keyed by request, in position order', async () => {
    const log = audit.repository();
    const topic = `test.audit.${Date.now()}`;
    const sent: AuditMessage[] = [];
    const bus = { publish: async (messages: AuditMessage[]) => void sent.push(...messages) };
    const publisher = new AuditPublisher(log, bus, { topic, batchSize: 50, logger: pino({ level: 'silent' }) });
    const envelope = anEnvelope();
    const { record } = await log.append({ topic: Topics.requestEvents, envelope, recordedAt: at() });
    await log.append({ topic: Topics.requestEvents, envelope, recordedAt: at() });
    while ((await publisher.publishOnce()) > 0);
    const head = await log.head();
    expect(sent.map((m) => JSON.parse(m.value).data.position)).toEqual(Array.from({ length: head.position }, (_, i) => i + 1));
    const mine = sent.filter((m) => JSON.parse(m.value).data.eventId === envelope.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ topic, key: envelope.subject, headers: { ce_id: `audit-${record.position}`, ce_type: 'airlock.audit.record.v1' } });
    expect(JSON.parse(mine[0].value).data).toMatchObject({ position: record.position, recordHash: record.recordHash, event: { id: envelope.id } });
    expect(await publisher.publishOnce()).toBe(0);
  });

  it('keeps its place when the broker fails, and publishes the same records on the next try', async () => {
    const log = audit.repository();
    const topic = `test.audit.failing.${Date.now()}`;
    await log.append({ topic: Topics.requestEvents, envelope: anEnvelope(), recordedAt: at() });
    const failing = new AuditPublisher(
      log,
      {
        publish: async () => {
          throw new Error('broker down');
        },
      },
      { topic, logger: pino({ level: 'silent' }) },
    );
    await expect(failing.publishOnce()).rejects.toThrow('broker down');
    const sent: AuditMessage[] = [];
    const working = new AuditPublisher(log, { publish: async (m) => void sent.push(...m) }, { topic, batchSize: 100_000, logger: pino({ level: 'silent' }) });
    expect(await working.publishOnce()).toBe((await log.head()).position);
    expect(JSON.parse(sent[0].value).data.position).toBe(1);
  });

  it('finds records by request, user, project, file hash, type and time, a page at a time', async () => {
    const log = audit.repository();
    const requestId = anEnvelope().subject;
    const sha256 = 'c'.repeat(64);
    const events = [
      anEnvelope({ subject: requestId, type: 'airlock.request.created.v1', data: { projectId: 'proj-x', requestId }, time: '2026-01-01T00:00:00.000Z' }),
      anEnvelope({
        subject: requestId,
        type: 'airlock.request.file-uploaded.v1',
        data: { sha256 },
        actor: { userId: 'alice-q', roles: ['researcher'] },
        time: '2026-01-02T00:00:00.000Z',
      }),
      anEnvelope({ subject: requestId, type: 'airlock.request.submitted.v1', data: { files: [{ sha256 }] }, time: '2026-01-03T00:00:00.000Z' }),
      anEnvelope({
        subject: 'user:alice-q',
        type: 'airlock.access.denied.v1',
        data: { projectId: 'proj-x' },
        actor: { userId: 'alice-q', roles: ['researcher'] },
        time: '2026-01-04T00:00:00.000Z',
      }),
    ];
    for (const envelope of events) await log.append({ topic: Topics.requestEvents, envelope, recordedAt: at() });
    const ids = async (filter: Parameters<typeof log.query>[0], limit = 100, after = 0) => (await log.query(filter, { after, limit })).map((r) => r.eventId);
    expect(await ids({ requestId })).toEqual(events.slice(0, 3).map((e) => e.id));
    expect(await ids({ userId: 'alice-q' })).toEqual([events[1].id, events[3].id]);
    expect(await ids({ projectId: 'proj-x' })).toEqual(events.map((e) => e.id));
    expect(await ids({ fileHash: sha256 })).toEqual([events[1].id, events[2].id]);
    expect(await ids({ type: 'airlock.access.denied.v1', userId: 'alice-q' })).toEqual([events[3].id]);
    expect(await ids({ requestId, since: '2026-01-02T00:00:00.000Z', until: '2026-01-03T00:00:00.000Z' })).toEqual([events[1].id]);
    const [first] = await log.query({ requestId }, { after: 0, limit: 1 });
    expect(await ids({ requestId }, 1, first.position)).toEqual([events[1].id]);
  });
});
