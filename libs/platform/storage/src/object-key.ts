import { InvalidKeyError } from './storage.errors';

// S3's own limit; keeping it on disk too keeps both adapters interchangeable.
const MAX_KEY_BYTES = 1024;
// Prefix reserved for the adapters' own staging objects.
export const RESERVED_KEY_PREFIX = '.airlock-';

/**
 * Keys are validated identically by both adapters, so a key accepted in tests on
 * local disk is accepted by S3 and vice versa. The rules keep keys safe to map onto a
 * filesystem (no traversal, no absolute paths) and safe to log (no control characters).
 */
export function assertValidKey(key: string): void {
  const fail = (reason: string): never => {
    throw new InvalidKeyError(key, reason);
  };
  if (typeof key !== 'string' || key.length === 0) fail('empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) fail(`longer than ${MAX_KEY_BYTES} bytes`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) fail('contains a NUL or control character');
  if (key.includes('\\')) fail('contains a backslash');
  if (key.startsWith('/') || /^[A-Za-z]:/.test(key)) fail('is an absolute path');
  const segments = key.split('/');
  if (segments.some((s) => s === '')) fail('has an empty path segment');
  if (segments.some((s) => s === '.' || s === '..')) fail('has a . or .. segment');
  if (segments[0].startsWith(RESERVED_KEY_PREFIX)) fail(`starts with the reserved prefix ${RESERVED_KEY_PREFIX}`);
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Lower-cases and checks a hex SHA-256; a malformed one is a caller bug, not a mismatch. */
export function normaliseSha256(sha256: string): string {
  const normalised = typeof sha256 === 'string' ? sha256.toLowerCase() : '';
  if (!SHA256_HEX.test(normalised)) throw new RangeError(`not a hex sha256: ${JSON.stringify(sha256)}`);
  return normalised;
}

export function assertMaxBytes(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
}
