import { AuthorizationCodes, OAuthError, parseAuthorizationRequest } from './authorization-codes';
import { codeChallengeS256, newCodeVerifier } from './pkce';

const REDIRECT = 'http://127.0.0.1:4100/web/auth/callback';
const verifier = newCodeVerifier();
const query = {
  response_type: 'code',
  client_id: 'airlock-web',
  redirect_uri: REDIRECT,
  state: 'state-123456',
  nonce: 'nonce-123456',
  code_challenge: codeChallengeS256(verifier),
  code_challenge_method: 'S256',
};
const grant = { userId: 'alice', roles: ['researcher' as const], nonce: 'nonce-123456' };

function errorOf(run: () => unknown): OAuthError {
  try {
    run();
  } catch (error) {
    if (error instanceof OAuthError) return error;
    throw error;
  }
  throw new Error('expected an OAuthError');
}

describe('parseAuthorizationRequest', () => {
  it('accepts a well-formed request to a registered redirect URI', () => {
    expect(parseAuthorizationRequest(query, [REDIRECT])).toEqual({
      clientId: 'airlock-web',
      redirectUri: REDIRECT,
      state: 'state-123456',
      nonce: 'nonce-123456',
      codeChallenge: query.code_challenge,
    });
  });

  it.each([
    ['an unregistered redirect URI', { redirect_uri: 'https://evil.example/web/auth/callback' }, /redirect_uri/],
    ['a redirect URI that only starts like a registered one', { redirect_uri: `${REDIRECT}/../../x` }, /redirect_uri/],
    ['the plain method', { code_challenge_method: 'plain' }, /S256/],
    ['no challenge', { code_challenge: undefined }, /code_challenge/],
    ['no state', { state: undefined }, /state/],
    ['a token response type', { response_type: 'token' }, /response_type/],
  ])('refuses %s', (_name, change, message) => {
    expect(errorOf(() => parseAuthorizationRequest({ ...query, ...change }, [REDIRECT])).message).toMatch(message);
  });
});

describe('AuthorizationCodes', () => {
  const request = parseAuthorizationRequest(query, [REDIRECT]);
  const redeemWith = (codes: AuthorizationCodes, code: string, change: Record<string, unknown> = {}) =>
    codes.redeem({ code, clientId: 'airlock-web', redirectUri: REDIRECT, codeVerifier: verifier, ...change });

  it('exchanges a code once, with the right verifier, for the grant', () => {
    const codes = new AuthorizationCodes();
    const code = codes.issue(request, grant);
    expect(redeemWith(codes, code)).toEqual(grant);
    expect(errorOf(() => redeemWith(codes, code)).error).toBe('invalid_grant');
  });

  it('refuses a wrong verifier and spends the code doing so', () => {
    const codes = new AuthorizationCodes();
    const code = codes.issue(request, grant);
    expect(errorOf(() => redeemWith(codes, code, { codeVerifier: newCodeVerifier() })).message).toMatch(/code_verifier/);
    expect(errorOf(() => redeemWith(codes, code)).message).toMatch(/unknown, used or expired/);
  });

  it.each([
    ['another client', { clientId: 'other' }, /another client/],
    ['another redirect URI', { redirectUri: 'http://127.0.0.1:4101/web/auth/callback' }, /redirect_uri/],
    ['no verifier', { codeVerifier: undefined }, /code_verifier/],
  ])('refuses %s', (_name, change, message) => {
    const codes = new AuthorizationCodes();
    expect(errorOf(() => redeemWith(codes, codes.issue(request, grant), change)).message).toMatch(message);
  });

  it('refuses a code after a minute', () => {
    let now = 1_000_000;
    const codes = new AuthorizationCodes(() => now);
    const code = codes.issue(request, grant);
    now += 60_000;
    expect(errorOf(() => redeemWith(codes, code)).error).toBe('invalid_grant');
  });
});
