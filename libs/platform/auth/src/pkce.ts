import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// PKCE (RFC 7636) with S256 only: `plain` would hand the verifier to anyone who sees the
// authorization request, which is the interception PKCE exists to stop.

/** RFC 7636 section 4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~]. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** A base64url SHA-256 digest, unpadded: 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** A fresh code verifier: 32 random bytes, base64url (43 characters). */
export function newCodeVerifier(): string {
  return randomBytes(32).toString('base64url');
}

export function isCodeVerifier(value: unknown): value is string {
  return typeof value === 'string' && VERIFIER.test(value);
}

export function isS256Challenge(value: unknown): value is string {
  return typeof value === 'string' && S256_CHALLENGE.test(value);
}

export function codeChallengeS256(verifier: string): string {
  if (!isCodeVerifier(verifier)) throw new Error('code_verifier must be 43 to 128 unreserved characters');
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** True only when `verifier` is well formed and its S256 challenge is `challenge` (compared in constant time). */
export function verifiesChallenge(verifier: unknown, challenge: string): boolean {
  if (!isCodeVerifier(verifier) || !isS256Challenge(challenge)) return false;
  const expected = Buffer.from(codeChallengeS256(verifier), 'ascii');
  const given = Buffer.from(challenge, 'ascii');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
