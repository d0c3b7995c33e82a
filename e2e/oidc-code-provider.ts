import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { codeChallengeS256 } from '@airlock/auth';

// An OIDC provider with the authorization-code + PKCE endpoints the pages sign in through, for the
// page tests: the test says who signs in next (as a person would type it at Keycloak's form), the
// provider redirects back with a one-time code bound to the PKCE challenge and the redirect URI,
// and the token endpoint hands out an access token signed by the test identity provider's key.

export type SignInAs = { userId: string; roles: string[] };

export type OidcCodeProvider = {
  discoveryUrl: string;
  /** Who the next /authorize signs in. */
  signInAs(person: SignInAs): void;
  /** Token requests refused so far (a wrong verifier, a reused code). */
  refused(): number;
  stop(): Promise<void>;
};

type Grant = { person: SignInAs; redirectUri: string; challenge: string; clientId: string };

export async function startOidcCodeProvider(mint: (person: SignInAs) => Promise<string>): Promise<OidcCodeProvider> {
  let next: SignInAs | undefined;
  let refusals = 0;
  const grants = new Map<string, Grant>();
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        grant_types_supported: ['authorization_code'],
      });
    }
    if (url.pathname === '/authorize' && request.method === 'GET') {
      const q = url.searchParams;
      const redirectUri = q.get('redirect_uri') ?? '';
      if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge') || !next) return json(400, { error: 'invalid_request' });
      const code = randomBytes(24).toString('base64url');
      grants.set(code, { person: next, redirectUri, challenge: q.get('code_challenge') ?? '', clientId: q.get('client_id') ?? '' });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      response.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (url.pathname === '/token' && request.method === 'POST') {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        const form = new URLSearchParams(body);
        const code = form.get('code') ?? '';
        const grant = grants.get(code);
        grants.delete(code);
        const verifier = form.get('code_verifier') ?? '';
        let valid = false;
        try {
          valid = Boolean(grant) && grant?.redirectUri === form.get('redirect_uri') && grant?.clientId === form.get('client_id') && codeChallengeS256(verifier) === grant?.challenge;
        } catch {
          valid = false;
        }
        if (!grant || !valid) {
          refusals++;
          return json(400, { error: 'invalid_grant' });
        }
        mint(grant.person).then(
          (token) => json(200, { access_token: token, token_type: 'Bearer', expires_in: 600 }),
          () => json(500, { error: 'server_error' }),
        );
      });
      return;
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    discoveryUrl: `http://127.0.0.1:${port}/.well-known/openid-configuration`,
    signInAs(person) {
      next = person;
    },
    refused: () => refusals,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
