import { randomBytes, timingSafeEqual } from 'node:crypto';

// Session-bound CSRF tokens: each session holds a random token, every form carries it in a hidden
// `_csrf` field, and an unsafe request whose token is missing or differs is refused 403.

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison; anything but two equal non-empty strings is false. */
export function csrfTokensMatch(expected: unknown, submitted: unknown): boolean {
  if (typeof expected !== 'string' || typeof submitted !== 'string' || expected.length === 0) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(submitted, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
