import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

// The tracing SDK, loaded by index.ts only when an OTLP endpoint is configured.

/** Scrapes and probes would otherwise start a trace every few seconds. */
const UNTRACED_PATHS = /^\/(metrics|health\/live|health\/ready)(\?|$)/;

export type RunningTracing = { shutdown(): Promise<void> };

export function startTracingSdk(serviceName: string, version: string, diagnostics: DiagLogger): RunningTracing {
  diag.setLogger(diagnostics, DiagLogLevel.WARN);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName, [ATTR_SERVICE_VERSION]: version }),
    // OTLP/HTTP with JSON bodies; endpoint, headers and timeout from the standard OTEL_EXPORTER_OTLP_* variables.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Global tracer provider, AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  // Patches node:http in place: server spans for every request (continuing an incoming
  // `traceparent`), client spans for outgoing calls (S3, the identity provider's JWKS).
  const http = new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? '') });
  http.setTracerProvider(provider);
  return {
    async shutdown() {
      http.disable();
      await provider.shutdown();
    },
  };
}
