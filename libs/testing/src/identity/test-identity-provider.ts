import { AuthorizationCodes, OAuthError, parseAuthorizationRequest } from '@airlock/auth';
import type { ActorRole } from '@airlock/domain';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// docs/design.md: tests sign their own tokens with a local key served as JWKS, over real HTTP,
// so the verifier under test fetches keys exactly as it would from Keycloak.

export type TestIdentityProviderOptions = {
  issuer?: string;
  audience?: string;
};

export type TestTokenOptions = {
  /** Negative values give an already-expired token. Default 300. */
  expiresInSeconds?: number;
  issuer?: string;
  audience?: string;
  /** Signs with a key that is NOT in the served JWKS (but claims its kid): a forged token. */
  signWithForeignKey?: boolean;
  /** Extra claims, e.g. Keycloak's `realm_access: { roles: [...] }`. */
  claims?: Record<string, unknown>;
};

export type TestIdentityProvider = {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** Its OIDC discovery document: authorization code with PKCE (S256), as Keycloak serves it. */
  discoveryUrl: string;
  /**
   * Who is signed in at the provider (its single sign-on session): its authorization endpoint then
   * answers at once with a code for them, as Keycloak does for a person already signed in there.
   * `undefined` signs them out (the endpoint then answers 401).
   */
  signIn(person: { userId: string; roles: readonly string[] } | undefined): void;
  /** Roles are plain strings so tests can claim roles Airlock does not know. */
  token(userId: string, roles: readonly string[], opts?: TestTokenOptions): Promise<string>;
  /** How many times the JWKS was fetched, to prove caching. */
  jwksRequests(): number;
  stop(): Promise<void>;
};

export type JsonResponse = { status: number; body: unknown };
export type JsonServer = { url: string; stop(): Promise<void> };

export const TEST_JWKS_PATH = '/.well-known/jwks.json';
const ALGORITHM = 'ES256';
const DEFAULT_AUDIENCE = 'airlock';
const DEFAULT_EXPIRES_IN_SECONDS = 300;

type SigningKey = { privateKey: KeyLike; publicJwk: JWK };

export async function startTestIdentityProvider(options: TestIdentityProviderOptions = {}): Promise<TestIdentityProvider> {
  const key = await signingKey();
  const foreignKey = await signingKey();
  const kid = await calculateJwkThumbprint(key.publicJwk);
  const jwks = { keys: [{ ...key.publicJwk, kid, alg: ALGORITHM, use: 'sig' }] };

  let jwksRequests = 0;
  let issuer = '';
  let audience = '';
  let signedIn: { userId: string; roles: readonly string[] } | undefined;
  const codes = new AuthorizationCodes();
  const codeFlow = async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean> => {
    if (request.method === 'GET' && url.pathname === '/authorize') {
      const query = Object.fromEntries(url.searchParams);
      // Any loopback callback is registered: the services under test listen on 127.0.0.1.
      const redirect = typeof query['redirect_uri'] === 'string' && /^http:\/\/127\.0\.0\.1:\d+\//.test(query['redirect_uri']) ? [query['redirect_uri']] : [];
      try {
        const authorization = parseAuthorizationRequest(query, redirect);
        if (!signedIn) return (send(response, 401, { error: 'login_required' }), true);
        const code = codes.issue(authorization, {
          userId: signedIn.userId,
          roles: signedIn.roles as ActorRole[],
          ...(authorization.nonce ? { nonce: authorization.nonce } : {}),
        });
        const back = new URL(authorization.redirectUri);
        back.searchParams.set('code', code);
        back.searchParams.set('state', authorization.state);
        response.writeHead(303, { location: back.toString(), 'cache-control': 'no-store' }).end();
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        send(response, 400, { error: error.error, error_description: error.message });
      }
      return true;
    }
    if (request.method === 'POST' && url.pathname === '/token') {
      const form = Object.fromEntries(new URLSearchParams(await bodyOf(request)));
      try {
        if (form['grant_type'] !== 'authorization_code') throw new OAuthError('unsupported_grant_type', 'authorization_code only');
        const grant = codes.redeem({ code: form['code'], clientId: form['client_id'], redirectUri: form['redirect_uri'], codeVerifier: form['code_verifier'] });
        const accessToken = await sign(key, kid, { roles: [...grant.roles] }, { issuer, audience, subject: grant.userId, expiresInSeconds: 3600 });
        const idToken = await sign(key, kid, grant.nonce ? { nonce: grant.nonce } : {}, {
          issuer,
          audience: form['client_id'],
          subject: grant.userId,
          expiresInSeconds: 300,
        });
        send(response, 200, { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: 3600 });
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        send(response, 400, { error: error.error, error_description: error.message });
      }
      return true;
    }
    return false;
  };
  const server = await startJsonServer((path) => {
    if (path === TEST_JWKS_PATH) {
      jwksRequests += 1;
      return { status: 200, body: jwks };
    }
    if (path === '/.well-known/openid-configuration') {
      return {
        status: 200,
        body: {
          issuer,
          jwks_uri: `${server.url}${TEST_JWKS_PATH}`,
          authorization_endpoint: `${server.url}/authorize`,
          token_endpoint: `${server.url}/token`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
        },
      };
    }
    return { status: 404, body: { error: 'not_found' } };
  }, codeFlow);
  // Like Keycloak, the issuer defaults to the provider's own URL.
  issuer = options.issuer ?? server.url;
  audience = options.audience ?? DEFAULT_AUDIENCE;

  return {
    issuer,
    audience,
    jwksUrl: `${server.url}${TEST_JWKS_PATH}`,
    discoveryUrl: `${server.url}/.well-known/openid-configuration`,
    signIn: (person) => {
      signedIn = person;
    },
    jwksRequests: () => jwksRequests,
    token: async (userId, roles, opts = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const exp = now + (opts.expiresInSeconds ?? DEFAULT_EXPIRES_IN_SECONDS);
      const signer = opts.signWithForeignKey ? foreignKey : key;
      return new SignJWT({ roles: [...roles], ...opts.claims })
        .setProtectedHeader({ alg: ALGORITHM, kid, typ: 'JWT' })
        .setIssuer(opts.issuer ?? issuer)
        .setAudience(opts.audience ?? audience)
        .setSubject(userId)
        .setIssuedAt(Math.min(now, exp - 1))
        .setExpirationTime(exp)
        .setJti(randomUUID())
        .sign(signer.privateKey);
    },
    stop: () => server.stop(),
  };
}

/**
 * A real HTTP server on 127.0.0.1 (random port) answering GETs with JSON; e.g. a broken JWKS endpoint.
 * `other` may take a request first (the provider's code flow), answering true when it did.
 */
export async function startJsonServer(
  respond: (path: string) => JsonResponse,
  other?: (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>,
): Promise<JsonServer> {
  const server = createServer((request, response) => {
    const reply = () => {
      const { status, body } = request.method === 'GET' ? respond((request.url ?? '').split('?')[0]) : { status: 405, body: {} };
      send(response, status, body);
    };
    if (!other) return reply();
    other(request, response, new URL(request.url ?? '/', 'http://127.0.0.1')).then(
      (handled) => (handled ? undefined : reply()),
      () => send(response, 500, { error: 'server_error' }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, stop: () => stopServer(server) };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > 16_384) throw new OAuthError('invalid_request', 'The body is too long');
  }
  return text;
}

function sign(
  key: SigningKey,
  kid: string,
  claims: Record<string, unknown>,
  at: { issuer: string; audience: string; subject: string; expiresInSeconds: number },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, kid, typ: 'JWT' })
    .setIssuer(at.issuer)
    .setAudience(at.audience)
    .setSubject(at.subject)
    .setIssuedAt(now)
    .setExpirationTime(now + at.expiresInSeconds)
    .setJti(randomUUID())
    .sign(key.privateKey);
}

async function signingKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM);
  return { privateKey, publicJwk: await exportJWK(publicKey) };
}

// Clients keep connections alive (Node 20's default agent), so close() alone would wait for them.
function stopServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
