export { consumeInSpan, currentTraceHeaders, inSpan } from './trace-context';
export { startTracing, stopTracing, tracingEndpointConfigured } from './start-tracing';
