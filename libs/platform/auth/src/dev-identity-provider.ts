import type { ActorRole } from '@airlock/domain';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet, type KeyLike } from 'jose';
import { randomUUID } from 'node:crypto';
import type { AuthConfig } from './auth.config';

/** What is known about a token once issued (never the token itself): for the log. */
export type IssuedDevToken = { userId: string; roles: readonly ActorRole[]; expiresAt: string; tokenId: string };

export type DevIdentityProviderConfig = Pick<AuthConfig, 'issuer' | 'audience'> & {
  /** Called for every token issued, so minting an identity is never silent. */
  onIssued?: (token: IssuedDevToken) => void;
};

export type DevTokenRequest = {
  userId: string;
  roles: readonly ActorRole[];
  ttlSeconds?: number;
};

const DEFAULT_TTL_SECONDS = 15 * 60;
const ALGORITHM = 'ES256';

/**
 * The development identity provider, for `npm start` on embedded defaults (AIRLOCK_DEV_IDENTITY=true,
 * which @airlock/config refuses with real servers or a non-loopback address). It signs any identity
 * asked for; the key pair lives only in memory, so every restart invalidates all tokens it issued.
 */
export class DevIdentityProvider {
  private constructor(
    private readonly config: DevIdentityProviderConfig,
    private readonly privateKey: KeyLike,
    private readonly publicJwks: JSONWebKeySet,
    private readonly kid: string,
  ) {}

  static async start(config: DevIdentityProviderConfig): Promise<DevIdentityProvider> {
    const { privateKey, publicKey } = await generateKeyPair(ALGORITHM);
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const jwks: JSONWebKeySet = { keys: [{ ...publicJwk, kid, alg: ALGORITHM, use: 'sig' }] };
    return new DevIdentityProvider({ issuer: config.issuer, audience: config.audience, onIssued: config.onIssued }, privateKey, jwks, kid);
  }

  get issuer(): string {
    return this.config.issuer;
  }

  get audience(): string {
    return this.config.audience;
  }

  /** The public JWKS, to be served at the jwksUrl the verifier is configured with. */
  jwks(): JSONWebKeySet {
    return { keys: this.publicJwks.keys.map((key) => ({ ...key })) };
  }

  async issue(request: DevTokenRequest): Promise<string> {
    const ttlSeconds = request.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    if (!request.userId) throw new Error('userId is required');
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new Error('ttlSeconds must be a positive integer');
    const now = Math.floor(Date.now() / 1000);
    const tokenId = randomUUID();
    const token = await new SignJWT({ roles: [...request.roles] })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.kid, typ: 'JWT' })
      .setIssuer(this.config.issuer)
      .setAudience(this.config.audience)
      .setSubject(request.userId)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .setJti(tokenId)
      .sign(this.privateKey);
    this.config.onIssued?.({ userId: request.userId, roles: [...request.roles], expiresAt: new Date((now + ttlSeconds) * 1000).toISOString(), tokenId });
    return token;
  }

  /**
   * An OIDC ID token for the sign-in of the pages: addressed to the client (`aud`), carrying the
   * authorization request's `nonce`, so the client can tell this answer belongs to its own request.
   * It grants nothing by itself (the verifier only takes tokens for the API's audience).
   */
  async issueIdToken(request: { userId: string; clientId: string; nonce?: string; ttlSeconds?: number }): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(request.nonce ? { nonce: request.nonce } : {})
      .setProtectedHeader({ alg: ALGORITHM, kid: this.kid, typ: 'JWT' })
      .setIssuer(this.config.issuer)
      .setAudience(request.clientId)
      .setSubject(request.userId)
      .setIssuedAt(now)
      .setExpirationTime(now + (request.ttlSeconds ?? 300))
      .sign(this.privateKey);
  }
}
