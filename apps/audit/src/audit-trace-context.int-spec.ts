import { randomBytes } from 'node:crypto';
import { Topics } from '@airlock/contracts';
import { isPermanentMessageError, KafkaMessageBus, type ReceivedMessage, type Subscription } from '@airlock/messaging';
import { expectEventually, realStack, uniqueId } from '@airlock/testing';
import pino from 'pino';
import { AuditPublisher } from './audit-publisher';
import { AuditWorker } from './audit.worker';
import { anEnvelope, freshAuditSchema, type AuditSchema } from './audit.test-kit';

// The audit topic continues the trace of the event each record was made from: the consumed
// message's W3C trace context leaves again as the republished record's Kafka header (CloudEvents
// distributed-tracing extension in binary mode), on real PostgreSQL and real Kafka.
jest.setTimeout(60_000);

let audit: AuditSchema;
let bus: KafkaMessageBus;
let subscription: Subscription | undefined;

beforeAll(async () => {
  audit = await freshAuditSchema('audit_trace');
  bus = new KafkaMessageBus({ brokers: realStack().kafkaBrokers, clientId: uniqueId('audit-trace-int'), retry: { initialMs: 100, maxMs: 1_000 } });
});

afterAll(async () => {
  await subscription?.stop();
  await bus?.close();
  await audit?.dispose();
});

const delivered = (envelope: ReturnType<typeof anEnvelope>, headers: Record<string, string>, offset: number): ReceivedMessage => ({
  topic: Topics.requestEvents,
  key: envelope.subject,
  value: JSON.stringify(envelope),
  headers: { ce_id: envelope.id, ce_type: envelope.type, ...headers },
  partition: 0,
  offset: String(offset),
});

it('republishes a record with the traceparent and tracestate of the event it was made from, and none for an untraced one', async () => {
  const log = audit.repository();
  const worker = new AuditWorker(log, pino({ level: 'silent' }));
  const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
  const tracestate = 'airlock=e2e';
  const traced = anEnvelope();
  const untraced = anEnvelope();
  await worker.onMessage(delivered(traced, { traceparent, tracestate }, 0));
  await worker.onMessage(delivered(untraced, {}, 1));

  const topic = uniqueId('test.audit.trace');
  const publisher = new AuditPublisher(log, bus, { topic, logger: pino({ level: 'silent' }) });
  while ((await publisher.publishOnce()) > 0);

  const received: ReceivedMessage[] = [];
  subscription = await bus.subscribe({
    groupId: uniqueId('audit-trace-reader'),
    topics: [topic],
    fromBeginning: true,
    handler: async (m) => void received.push(m),
  });
  const byEvent = await expectEventually(
    async () => {
      const found = new Map(received.map((m) => [JSON.parse(m.value).data.eventId as string, m]));
      expect(found.has(traced.id) && found.has(untraced.id)).toBe(true);
      return found;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  expect(byEvent.get(traced.id)?.headers).toMatchObject({ traceparent, tracestate, ce_type: 'airlock.audit.record.v1' });
  expect(byEvent.get(untraced.id)?.headers).not.toHaveProperty('traceparent');
  expect(byEvent.get(untraced.id)?.headers).toMatchObject({ ce_type: 'airlock.audit.record.v1' });
});

it('dead-letters an event holding a lone surrogate instead of appending a record PostgreSQL could not read back as JSON; a well-formed pair passes', async () => {
  const log = audit.repository();
  const worker = new AuditWorker(log, pino({ level: 'silent' }));
  const lone = anEnvelope();
  const escaped = JSON.stringify({ ...lone, data: { ...(lone.data as object), title: 'report \ud800' } });
  expect(escaped).toContain('\\ud800');
  let thrown: unknown;
  try {
    await worker.onMessage({ ...delivered(lone, {}, 10), value: escaped });
  } catch (error) {
    thrown = error;
  }
  expect(isPermanentMessageError(thrown)).toBe(true);
  const paired = anEnvelope();
  // The same code point as its escaped surrogate pair: well-formed, recorded.
  const pairText = JSON.stringify({ ...paired, data: { ...(paired.data as object), title: 'ok' } }).replace('"ok"', '"\\ud83d\\ude00"');
  await worker.onMessage({ ...delivered(paired, {}, 11), value: pairText });
  const { rows } = await audit.owner.query<{ body: string }>('SELECT body FROM audit_records');
  expect(rows.some((r) => r.body.includes(paired.id))).toBe(true);
  expect(rows.some((r) => r.body.includes(lone.id))).toBe(false);
});
