import type { Actor } from '@airlock/domain';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { parseAuthConfig, type AuthConfig, type ResolvedAuthConfig } from './auth.config';
import { AuthError } from './auth.errors';
import { bearerTokenFrom } from './authorization-header.parser';
import { actorFromClaims } from './token-claims.mapper';

export type TokenVerifier = {
  verify(authorizationHeader: string | undefined): Promise<Actor>;
};

// Asymmetric only: `none` is no signature, and HS* would let anyone holding the (public!)
// JWKS material or a guessed secret mint tokens.
export const ALLOWED_ALGORITHMS: readonly string[] = ['RS256', 'ES256', 'EdDSA'];

const JWKS_TIMEOUT_MS = 5_000;
// Keys are cached so a brief IdP outage does not lock everyone out...
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
// ...and an unknown `kid` refetches at most this often, so forged kids cannot hammer the IdP.
const JWKS_COOLDOWN_MS = 30_000;

// A token naming a key the issuer does not publish is the token's fault, not the issuer's.
const KEY_SELECTION_FAILURES: ReadonlySet<string> = new Set([errors.JWKSNoMatchingKey.code, errors.JWKSMultipleMatchingKeys.code]);

export class JwtTokenVerifier implements TokenVerifier {
  private readonly config: ResolvedAuthConfig;
  private readonly getKey: JWTVerifyGetKey;

  constructor(config: AuthConfig) {
    this.config = parseAuthConfig(config);
    this.getKey = failingAsIssuerUnavailable(
      createRemoteJWKSet(new URL(this.config.jwksUrl), {
        timeoutDuration: JWKS_TIMEOUT_MS,
        cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
        cooldownDuration: JWKS_COOLDOWN_MS,
      }),
    );
  }

  async verify(authorizationHeader: string | undefined): Promise<Actor> {
    const token = bearerTokenFrom(authorizationHeader);
    try {
      const { payload } = await jwtVerify(token, this.getKey, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: [...ALLOWED_ALGORITHMS],
        clockTolerance: this.config.clockToleranceSeconds,
        // A token that never expires is a credential that can never be withdrawn.
        requiredClaims: ['sub', 'exp'],
      });
      return actorFromClaims(payload);
    } catch (error) {
      throw asAuthError(error);
    }
  }
}

// Wraps the key lookup so that "cannot reach / cannot read the JWKS" is told apart from
// "the token is bad" before jwtVerify folds both into one JOSE error.
function failingAsIssuerUnavailable(getKey: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (protectedHeader, token) => {
    try {
      return await getKey(protectedHeader, token);
    } catch (error) {
      if (error instanceof errors.JOSEError && KEY_SELECTION_FAILURES.has(error.code)) throw error;
      throw new AuthError('ISSUER_UNAVAILABLE', 'Identity provider key set could not be fetched', { cause: error });
    }
  };
}

// No `cause` on token errors: jose's claim errors carry the payload, which must not reach logs.
function asAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired) return new AuthError('TOKEN_EXPIRED', 'Token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new AuthError('TOKEN_INVALID', `Token rejected (${error.code}: ${error.claim})`);
  }
  const code = error instanceof errors.JOSEError ? error.code : 'ERR_UNKNOWN';
  return new AuthError('TOKEN_INVALID', `Token rejected (${code})`);
}
