import { randomBytes } from 'node:crypto';
import type { ActorRole } from '@airlock/domain';
import { isS256Challenge, verifiesChallenge } from './pkce';

// The authorization-code half of an OIDC provider, for the development issuer (and the tests'
// provider): codes live in memory, are single use, expire in a minute, and are bound to the
// client, the redirect URI and the PKCE challenge they were issued for.

export type AuthorizationRequest = {
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  nonce?: string;
};

export type AuthorizationGrant = { userId: string; roles: readonly ActorRole[]; nonce?: string };

export class OAuthError extends Error {
  constructor(
    readonly error: 'invalid_request' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_client' | 'unauthorized_client',
    message: string,
  ) {
    super(message);
  }
}

const CODE_TTL_MS = 60_000;
const MAX_PENDING_CODES = 1000;
const STATE = /^[\x21-\x7e]{8,512}$/;

/**
 * Checks the query of an authorization request. The redirect URI must be one of `allowedRedirectUris`
 * exactly (no prefix match, no open redirect); a request failing that is never redirected anywhere.
 */
export function parseAuthorizationRequest(query: Record<string, unknown>, allowedRedirectUris: readonly string[]): AuthorizationRequest {
  const field = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
  const redirectUri = field('redirect_uri');
  if (!redirectUri || !allowedRedirectUris.includes(redirectUri)) throw new OAuthError('invalid_request', 'redirect_uri is not registered');
  const clientId = field('client_id');
  if (!clientId || !/^[\w.-]{1,64}$/.test(clientId)) throw new OAuthError('invalid_request', 'client_id is required');
  if (field('response_type') !== 'code') throw new OAuthError('invalid_request', 'response_type must be code');
  const state = field('state');
  if (!state || !STATE.test(state)) throw new OAuthError('invalid_request', 'state is required (8 to 512 printable characters)');
  if (field('code_challenge_method') !== 'S256') throw new OAuthError('invalid_request', 'code_challenge_method must be S256');
  const codeChallenge = field('code_challenge');
  if (!isS256Challenge(codeChallenge)) throw new OAuthError('invalid_request', 'code_challenge must be a base64url SHA-256 digest');
  const nonce = field('nonce');
  if (nonce !== undefined && !STATE.test(nonce)) throw new OAuthError('invalid_request', 'nonce must be 8 to 512 printable characters');
  return { clientId, redirectUri, state, codeChallenge, ...(nonce ? { nonce } : {}) };
}

type PendingCode = { request: AuthorizationRequest; grant: AuthorizationGrant; expiresAt: number };

export class AuthorizationCodes {
  private readonly pending = new Map<string, PendingCode>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(request: AuthorizationRequest, grant: AuthorizationGrant): string {
    this.sweep();
    if (this.pending.size >= MAX_PENDING_CODES) throw new OAuthError('invalid_request', 'Too many sign-ins in progress; try again in a minute');
    const code = randomBytes(32).toString('base64url');
    this.pending.set(code, { request, grant, expiresAt: this.now() + CODE_TTL_MS });
    return code;
  }

  /** The token request: the code is spent whatever the outcome, so a guessed verifier gets one try. */
  redeem(token: { code: unknown; clientId: unknown; redirectUri: unknown; codeVerifier: unknown }): AuthorizationGrant {
    const code = typeof token.code === 'string' ? token.code : '';
    const pending = this.pending.get(code);
    this.pending.delete(code);
    if (!pending || pending.expiresAt <= this.now()) throw new OAuthError('invalid_grant', 'The code is unknown, used or expired');
    if (token.clientId !== pending.request.clientId) throw new OAuthError('invalid_grant', 'The code was issued to another client');
    if (token.redirectUri !== pending.request.redirectUri) throw new OAuthError('invalid_grant', 'redirect_uri differs from the authorization request');
    if (!verifiesChallenge(token.codeVerifier, pending.request.codeChallenge))
      throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge');
    return pending.grant;
  }

  private sweep(): void {
    const now = this.now();
    for (const [code, entry] of this.pending) if (entry.expiresAt <= now) this.pending.delete(code);
  }
}
