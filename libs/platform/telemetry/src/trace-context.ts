import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Span } from '@opentelemetry/api';

// W3C trace context across the outbox and the bus. Everything here is the OpenTelemetry API alone:
// with no SDK started (see tracing.ts) every call is a no-op, so untraced deployments pay nothing.

const TRACER = 'airlock';

/**
 * The `traceparent` and `tracestate` of the span active now, to store with an outbox row so that
 * the consumers of the event continue the trace of the request that appended it. Empty when no
 * trace is active (or tracing is off).
 */
export function currentTraceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/**
 * Runs a consumer's handling of one message in a CONSUMER span whose parent is the trace context
 * the message carries in its headers (none: a new trace). The handler's own work (events it
 * appends, spans it opens) continues that trace. Errors are recorded and rethrown unchanged.
 */
export function consumeInSpan<T>(
  message: { topic: string; key: string; partition: number; offset: string; headers?: Record<string, string> },
  groupId: string,
  handle: () => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, message.headers ?? {});
  const span = trace.getTracer(TRACER).startSpan(
    `${message.topic} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': message.topic,
        'messaging.consumer.group.name': groupId,
        'messaging.destination.partition.id': String(message.partition),
        'messaging.kafka.offset': Number(message.offset),
        'messaging.kafka.message.key': message.key,
        ...(message.headers?.ce_type ? { 'cloudevents.event_type': message.headers.ce_type } : {}),
        ...(message.headers?.ce_id ? { 'cloudevents.event_id': message.headers.ce_id } : {}),
      },
    },
    parent,
  );
  return runInSpan(span, parent, handle);
}

/** One step of the work (a scan, a disclosure check, a release copy) as a child span of the active one. */
export function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  const span = trace.getTracer(TRACER).startSpan(name, { attributes });
  return runInSpan(span, context.active(), () => work(span));
}

async function runInSpan<T>(span: Span, parent: ReturnType<typeof context.active>, work: () => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(parent, span), work);
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}
