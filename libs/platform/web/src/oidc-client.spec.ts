import { codeChallengeS256 } from '@airlock/auth';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair } from 'jose';
import { OidcClient, OidcError } from './oidc-client';

const ISSUER = 'https://idp.example';
const DISCOVERY = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  jwks_uri: `${ISSUER}/jwks`,
  code_challenge_methods_supported: ['S256'],
};

async function provider() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  const keys = createLocalJWKSet({ keys: [jwk] });
  const idToken = (claims: Record<string, unknown>, audience = 'airlock-web') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
  const sent: { url: string; body?: string }[] = [];
  let tokenAnswer: () => Promise<unknown> = async () => ({});
  const fetchStub = (async (url: string | URL, init?: RequestInit) => {
    sent.push({ url: String(url), ...(typeof init?.body === 'string' ? { body: init.body } : {}) });
    const body = String(url).endsWith('/token') ? await tokenAnswer() : DISCOVERY;
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  const client = new OidcClient({
    discoveryUrl: `${ISSUER}/.well-known/openid-configuration`,
    clientId: 'airlock-web',
    redirectUri: 'http://127.0.0.1/web/auth/callback',
    fetch: fetchStub,
    keys,
  });
  return { client, idToken, sent, answer: (f: () => Promise<unknown>) => (tokenAnswer = f) };
}

describe('OidcClient', () => {
  it('sends the browser with state, nonce and an S256 challenge of a verifier it keeps', async () => {
    const { client } = await provider();
    const { transaction, location } = await client.begin('/web/');
    const url = new URL(location);
    expect(url.origin + url.pathname).toBe(`${ISSUER}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'airlock-web',
      redirect_uri: 'http://127.0.0.1/web/auth/callback',
      scope: 'openid',
      state: transaction.state,
      nonce: transaction.nonce,
      code_challenge: codeChallengeS256(transaction.verifier),
      code_challenge_method: 'S256',
    });
    expect(location).not.toContain(transaction.verifier);
  });

  it('exchanges the code with the verifier and accepts an ID token with its nonce', async () => {
    const { client, idToken, sent, answer } = await provider();
    const { transaction } = await client.begin('/web/');
    answer(async () => ({ access_token: 'the-access-token', id_token: await idToken({ nonce: transaction.nonce }) }));
    await expect(client.exchange('the-code', transaction)).resolves.toEqual({ accessToken: 'the-access-token' });
    const form = new URLSearchParams(sent.find((s) => s.url.endsWith('/token'))?.body);
    expect(form.get('code')).toBe('the-code');
    expect(form.get('code_verifier')).toBe(transaction.verifier);
    expect(form.get('grant_type')).toBe('authorization_code');
  });

  it.each([
    ['another sign-in\u2019s nonce', (t: { nonce: string }) => ({ nonce: `${t.nonce}x` }), 'airlock-web', /nonce mismatch/],
    ['no nonce', () => ({}), 'airlock-web', /nonce mismatch/],
    ['another client as audience', (t: { nonce: string }) => ({ nonce: t.nonce }), 'other-client', /does not verify/],
  ])('refuses an ID token with %s', async (_name, claims, audience, message) => {
    const { client, idToken, answer } = await provider();
    const { transaction } = await client.begin('/web/');
    answer(async () => ({ access_token: 'a', id_token: await idToken(claims(transaction), audience) }));
    const refused = client.exchange('code', transaction);
    await expect(refused).rejects.toBeInstanceOf(OidcError);
    await expect(refused).rejects.toThrow(message);
  });

  it('refuses an answer without an ID token', async () => {
    const { client, answer } = await provider();
    const { transaction } = await client.begin('/web/');
    answer(async () => ({ access_token: 'a' }));
    await expect(client.exchange('code', transaction)).rejects.toThrow(/no ID token/);
  });
});
