import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
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
  const server = await startJsonServer((path) => {
    if (path === TEST_JWKS_PATH) {
      jwksRequests += 1;
      return { status: 200, body: jwks };
    }
    if (path === '/.well-known/openid-configuration') {
      return { status: 200, body: { issuer, jwks_uri: `${server.url}${TEST_JWKS_PATH}` } };
    }
    return { status: 404, body: { error: 'not_found' } };
  });
  // Like Keycloak, the issuer defaults to the provider's own URL.
  issuer = options.issuer ?? server.url;
  const audience = options.audience ?? DEFAULT_AUDIENCE;

  return {
    issuer,
    audience,
    jwksUrl: `${server.url}${TEST_JWKS_PATH}`,
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

/** A real HTTP server on 127.0.0.1 (random port) answering GETs with JSON; e.g. a broken JWKS endpoint. */
export async function startJsonServer(respond: (path: string) => JsonResponse): Promise<JsonServer> {
  const server = createServer((request, response) => {
    const { status, body } = request.method === 'GET' ? respond((request.url ?? '').split('?')[0]) : { status: 405, body: {} };
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, stop: () => stopServer(server) };
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
