import { ALLOWED_ALGORITHMS, codeChallengeS256, newCodeVerifier } from '@airlock/auth';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { randomBytes, timingSafeEqual } from 'node:crypto';

// The pages' side of OIDC: authorization code with PKCE (S256), a public client by default (a
// confidential one when a client secret is configured, as Keycloak allows). The provider's
// endpoints come from its discovery document, so the development issuer and Keycloak are one path.

export type OidcClientOptions = {
  discoveryUrl: string;
  clientId: string;
  clientSecret?: string;
  /** Exactly the URI registered with the provider; never taken from a request. */
  redirectUri: string;
  scope?: string;
  fetch?: typeof fetch;
  /** The provider's signing keys; by default read from the discovery document's jwks_uri. */
  keys?: JWTVerifyGetKey;
};

type Metadata = { issuer: string; authorizationEndpoint: string; tokenEndpoint: string; keys: JWTVerifyGetKey };

/** What the browser must bring back: kept in the sealed login cookie, never in the URL but `state`. */
export type LoginTransaction = { state: string; verifier: string; nonce: string; returnTo: string };

export class OidcError extends Error {}

const TIMEOUT_MS = 5_000;
const METADATA_MAX_AGE_MS = 10 * 60_000;

const httpUrl = (value: unknown): value is string => typeof value === 'string' && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);

export class OidcClient {
  private metadata?: { value: Metadata; fetchedAt: number };
  private readonly fetch: typeof fetch;

  constructor(private readonly options: OidcClientOptions) {
    this.fetch = options.fetch ?? fetch;
  }

  get redirectUri(): string {
    return this.options.redirectUri;
  }

  /** Starts a sign-in: the transaction to keep, and where to send the browser. */
  async begin(returnTo: string): Promise<{ transaction: LoginTransaction; location: string }> {
    const { authorizationEndpoint } = await this.discover();
    const transaction = { state: randomToken(), verifier: newCodeVerifier(), nonce: randomToken(), returnTo };
    const url = new URL(authorizationEndpoint);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.options.clientId);
    url.searchParams.set('redirect_uri', this.options.redirectUri);
    url.searchParams.set('scope', this.options.scope ?? 'openid');
    url.searchParams.set('state', transaction.state);
    url.searchParams.set('nonce', transaction.nonce);
    url.searchParams.set('code_challenge', codeChallengeS256(transaction.verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    return { transaction, location: url.toString() };
  }

  /** The token request (server to server): the access token, or OidcError. */
  async exchange(code: string, transaction: LoginTransaction): Promise<{ accessToken: string }> {
    const { tokenEndpoint } = await this.discover();
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.options.redirectUri,
      client_id: this.options.clientId,
      code_verifier: transaction.verifier,
    });
    if (this.options.clientSecret) form.set('client_secret', this.options.clientSecret);
    const response = await this.fetch(tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    }).catch((error: unknown) => {
      throw new OidcError('The identity provider could not be reached', { cause: error });
    });
    const body = (await response.json().catch(() => undefined)) as { access_token?: unknown; id_token?: unknown } | undefined;
    if (!response.ok || typeof body?.access_token !== 'string') throw new OidcError(`The identity provider refused the code (HTTP ${response.status})`);
    if (typeof body.id_token !== 'string') throw new OidcError('The identity provider sent no ID token');
    await this.checkIdToken(body.id_token, transaction);
    return { accessToken: body.access_token };
  }

  /** The ID token must come from the issuer, be addressed to this client and carry this sign-in's nonce (no replayed answer). */
  private async checkIdToken(idToken: string, transaction: LoginTransaction): Promise<void> {
    const { issuer, keys } = await this.discover();
    let nonce: unknown;
    try {
      const { payload } = await jwtVerify(idToken, keys, {
        issuer,
        audience: this.options.clientId,
        algorithms: [...ALLOWED_ALGORITHMS],
        requiredClaims: ['sub', 'exp'],
      });
      nonce = payload['nonce'];
    } catch (error) {
      throw new OidcError('The identity provider sent an ID token that does not verify', { cause: error });
    }
    if (typeof nonce !== 'string' || !sameString(nonce, transaction.nonce)) throw new OidcError('The ID token is not for this sign-in (nonce mismatch)');
  }

  private async discover(): Promise<Metadata> {
    if (this.metadata && Date.now() - this.metadata.fetchedAt < METADATA_MAX_AGE_MS) return this.metadata.value;
    const response = await this.fetch(this.options.discoveryUrl, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) }).catch(
      (error: unknown) => {
        throw new OidcError('The identity provider could not be reached', { cause: error });
      },
    );
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!response.ok || !body) throw new OidcError(`The identity provider's discovery document could not be read (HTTP ${response.status})`);
    const { issuer, authorization_endpoint: authorizationEndpoint, token_endpoint: tokenEndpoint, jwks_uri: jwksUri } = body;
    if (!httpUrl(authorizationEndpoint) || !httpUrl(tokenEndpoint)) throw new OidcError('The discovery document names no authorization or token endpoint');
    if (typeof issuer !== 'string' || issuer === '') throw new OidcError('The discovery document names no issuer');
    if (!this.options.keys && !httpUrl(jwksUri)) throw new OidcError('The discovery document names no jwks_uri');
    const methods = body['code_challenge_methods_supported'];
    if (Array.isArray(methods) && !methods.includes('S256')) throw new OidcError('The identity provider does not support PKCE with S256');
    const keys = this.options.keys ?? createRemoteJWKSet(new URL(jwksUri as string), { timeoutDuration: TIMEOUT_MS });
    const value = { issuer, authorizationEndpoint, tokenEndpoint, keys };
    this.metadata = { value, fetchedAt: Date.now() };
    return value;
  }
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function randomToken(): string {
  return randomBytes(24).toString('base64url');
}
