import { startTracing } from '@airlock/telemetry';

// Imported first by start-all.ts, as each service's main.ts imports its instrument.ts: tracing
// (when an OTLP endpoint is configured) must patch node:http before Nest, express or the AWS SDK
// load. The four services share one process, so they share one tracer provider and one resource:
// `airlock` (OTEL_SERVICE_NAME overrides it); the spans' own attributes (consumer group, route)
// tell the services apart.
startTracing('airlock');
