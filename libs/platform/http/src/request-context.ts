import { AsyncLocalStorage } from 'node:async_hooks';
import { HttpProblem } from './problem';

// Optimistic concurrency over HTTP (ETag / If-Match): a client that read version N of a request
// can ask that its change apply only to version N. The expectation travels with the HTTP request
// to the command handler, which refuses a stale one with 412 STALE_VERSION.
type RequestContext = { expectedVersion?: number };
const storage = new AsyncLocalStorage<RequestContext>();

export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) throw new HttpProblem(400, 'INVALID_IF_MATCH', 'If-Match must be the ETag of the request, e.g. "7"');
  return Number(match[1]);
}

export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The version the current HTTP request expects, if it sent If-Match. */
export function expectedVersionOfCurrentRequest(): number | undefined {
  return storage.getStore()?.expectedVersion;
}
