import { StorageError, StorageUnavailableError } from './storage.errors';

// Socket-level failures: the server is down, unreachable or cut us off. Callers retry.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
// SDK and S3 error names that mean "try again later", never "this object is bad".
const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'SlowDown',
  'InternalError',
  'NetworkingError',
]);

type ErrorLike = {
  name?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  errors?: unknown[];
  $metadata?: { httpStatusCode?: number };
};

const asErrorLike = (error: unknown): ErrorLike => (typeof error === 'object' && error !== null ? (error as ErrorLike) : {});

export function httpStatusOf(error: unknown): number | undefined {
  return asErrorLike(error).$metadata?.httpStatusCode;
}

export function isS3NotFound(error: unknown): boolean {
  const e = asErrorLike(error);
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.name === 'NoSuchBucket' || httpStatusOf(error) === 404;
}

export function isS3Unavailable(error: unknown, depth = 0): boolean {
  if (depth > 3) return false;
  const e = asErrorLike(error);
  if ((e.code && NETWORK_CODES.has(e.code)) || (e.name && TRANSIENT_NAMES.has(e.name))) return true;
  // The SDK rewraps a throwable that is not an `Error` of its own realm (seen under jest's vm)
  // into a bare Error that keeps only the message: recognise the socket code there too.
  if (e.message && [...NETWORK_CODES].some((code) => e.message?.includes(code))) return true;
  const status = httpStatusOf(error);
  if (status !== undefined && status >= 500) return true;
  // Node reports a refused dual-stack connect as an AggregateError of per-address errors.
  if (Array.isArray(e.errors) && e.errors.some((inner) => isS3Unavailable(inner, depth + 1))) return true;
  return e.cause !== undefined && isS3Unavailable(e.cause, depth + 1);
}

/** Maps SDK/network failures onto the port's coded errors; anything else is rethrown unchanged. */
export function toStorageError(error: unknown, doing: string): unknown {
  if (error instanceof StorageError) return error;
  if (isS3Unavailable(error)) {
    const e = asErrorLike(error);
    return new StorageUnavailableError(`S3 unavailable during ${doing}: ${e.code ?? e.name ?? 'error'} ${e.message ?? ''}`.trim(), { cause: error });
  }
  return error;
}
