import { startTracing } from '@airlock/telemetry';

// Imported first by main.ts: tracing (when configured) must patch node:http before Nest loads.
startTracing('airlock-ingress');
