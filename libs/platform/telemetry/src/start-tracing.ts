import type { DiagLogger } from '@opentelemetry/api';
import type { RunningTracing } from './tracing';

let running: RunningTracing | undefined;

/** The standard variables: with neither set, nothing is exported and the SDK is never loaded. */
export function tracingEndpointConfigured(env: NodeJS.ProcessEnv): boolean {
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
  return !disabled && Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

/**
 * Starts tracing for one service process. Call it from a module the service's main.ts imports
 * first, before Nest, express or the AWS SDK load, so the HTTP instrumentation sees every server.
 * `OTEL_SERVICE_NAME` overrides the name given here.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): void {
  if (running || !tracingEndpointConfigured(env)) return;
  // Loaded lazily: an untraced process never loads the SDK, the exporter or the instrumentation.
  const { startTracingSdk } = require('./tracing') as typeof import('./tracing');
  running = startTracingSdk(env.OTEL_SERVICE_NAME?.trim() || service, env.npm_package_version ?? '0.1.0', stderrDiagnostics(service));
}

/** Flushes the spans still buffered; a stopping service calls it before it exits. */
export async function stopTracing(): Promise<void> {
  const stopping = running;
  running = undefined;
  await stopping?.shutdown();
}

// The exporter's own warnings (a collector that cannot be reached) as one JSON line each, like the service logs.
function stderrDiagnostics(service: string): DiagLogger {
  const write =
    (level: string) =>
    (message: string, ...args: unknown[]) =>
      process.stderr.write(`${JSON.stringify({ level, service, msg: `opentelemetry: ${message}`, args: args.map(String) })}\n`);
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug'), verbose: write('debug') };
}
