import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { InProcessMessageBus, type ReceivedMessage } from '@airlock/messaging';
import { currentTraceHeaders } from '@airlock/telemetry';
import { outboxHeaders } from './outbox-row';

// The trace context travels with an event: captured into the outbox row's headers where it was
// appended, continued by whichever handler the bus delivers it to, and on into what that handler appends.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

async function deliver(bus: InProcessMessageBus, headers: Record<string, string>, handler: (m: ReceivedMessage) => Promise<void>): Promise<void> {
  let done!: () => void;
  const handled = new Promise<void>((resolve) => (done = resolve));
  await bus.subscribe({
    groupId: 'g',
    topics: ['t'],
    fromBeginning: true,
    handler: async (m) => {
      await handler(m);
      done();
    },
  });
  await bus.publish([{ topic: 't', key: 'k', value: '{}', headers }]);
  await handled;
}

describe('without a tracing SDK', () => {
  it('adds no trace headers to an outbox row', () => {
    expect(Object.keys(outboxHeaders('e1', 'airlock.test.v1')).sort()).toEqual(['ce_id', 'ce_type', 'content-type']);
  });
});

describe('with a tracing SDK', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let bus: InProcessMessageBus;
  beforeAll(() => provider.register());
  afterAll(() => provider.shutdown());
  beforeEach(() => {
    exporter.reset();
    bus = new InProcessMessageBus({ retry: { initialMs: 5, maxMs: 20 } });
  });
  afterEach(() => bus.close());

  it('stores the active span with the outbox row and continues it in the consumer and in what the consumer appends', async () => {
    const headers = trace.getTracer('test').startActiveSpan('append', (span) => {
      span.end();
      return outboxHeaders('e1', 'airlock.request.submitted.v1');
    });
    const [, traceId, appendSpanId] = TRACEPARENT.exec(headers.traceparent) ?? [];
    expect(traceId).toBeDefined();
    let appendedByConsumer: Record<string, string> = {};
    await deliver(bus, headers, async () => {
      appendedByConsumer = outboxHeaders('e2', 'airlock.request.file-scanned.v1');
    });
    const consumer = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.CONSUMER);
    expect(consumer).toMatchObject({
      name: 't process',
      attributes: expect.objectContaining({ 'messaging.consumer.group.name': 'g', 'cloudevents.event_type': 'airlock.request.submitted.v1' }),
    });
    expect(consumer?.spanContext().traceId).toBe(traceId);
    expect(consumer?.parentSpanContext?.spanId).toBe(appendSpanId);
    expect(appendedByConsumer.traceparent).toBe(`00-${traceId}-${consumer?.spanContext().spanId}-01`);
  });

  it('starts a new trace for a message that carries none, outside any span of the publisher', async () => {
    let seen: Record<string, string> = {};
    await trace.getTracer('test').startActiveSpan('unrelated', async (span) => {
      await deliver(bus, {}, async () => {
        seen = currentTraceHeaders();
      });
      span.end();
    });
    const consumer = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.CONSUMER);
    expect(consumer?.parentSpanContext).toBeUndefined();
    expect(seen.traceparent).toBe(`00-${consumer?.spanContext().traceId}-${consumer?.spanContext().spanId}-01`);
  });

  it('records a failed delivery on its span and still has the message redelivered', async () => {
    let attempts = 0;
    await deliver(bus, {}, async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('scanner unavailable');
    });
    const consumers = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.CONSUMER);
    expect(consumers.map((span) => span.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
    expect(attempts).toBe(2);
  });
});
