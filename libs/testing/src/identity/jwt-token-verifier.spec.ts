// The auth lib's verifier and development issuer, tested here with the test identity provider
// (libs/testing depends on auth; a spec inside auth importing testing would close a cycle).
// Specs use the shared test identity provider (docs/design.md).
import { AuthError, type AuthErrorCode, JwtTokenVerifier } from '@airlock/auth';
import { startJsonServer, startTestIdentityProvider, type TestIdentityProvider } from './test-identity-provider';
import { SignJWT } from 'jose';

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

async function refusal(attempt: Promise<unknown>): Promise<AuthError> {
  const error = await attempt.then(
    () => {
      throw new Error('expected the token to be refused');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthError);
  return error as AuthError;
}

describe('JwtTokenVerifier', () => {
  let idp: TestIdentityProvider;
  let verifier: JwtTokenVerifier;

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    verifier = new JwtTokenVerifier({ issuer: idp.issuer, audience: idp.audience, jwksUrl: idp.jwksUrl });
  });
  afterAll(() => idp.stop());

  const validClaims = () => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: idp.issuer, aud: idp.audience, sub: 'mallory', roles: ['output_checker'], iat: now, exp: now + 300 };
  };

  describe('a valid token', () => {
    it('gives the actor with the roles from the `roles` claim', async () => {
      const token = await idp.token('alice', ['researcher', 'auditor']);
      await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({ userId: 'alice', roles: ['researcher', 'auditor'] });
    });

    it("reads Keycloak's realm_access.roles", async () => {
      const token = await idp.token('bob', [], { claims: { realm_access: { roles: ['output_checker', 'offline_access'] } } });
      await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({ userId: 'bob', roles: ['output_checker'] });
    });

    it('drops roles Airlock does not know', async () => {
      const token = await idp.token('carol', ['researcher', 'superuser', 'uma_authorization']);
      await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({ userId: 'carol', roles: ['researcher'] });
    });

    it('never grants `system`: a person cannot claim to be the system', async () => {
      const token = await idp.token('dave', ['system', 'researcher'], { claims: { realm_access: { roles: ['system'] } } });
      await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({ userId: 'dave', roles: ['researcher'] });
    });

    it('is accepted shortly after expiry, within the clock tolerance', async () => {
      const token = await idp.token('erin', ['researcher'], { expiresInSeconds: -10 });
      await expect(verifier.verify(`Bearer ${token}`)).resolves.toMatchObject({ userId: 'erin' });
    });

    it('accepts the scheme in any case (RFC 7235)', async () => {
      const token = await idp.token('frank', ['researcher']);
      await expect(verifier.verify(`bearer ${token}`)).resolves.toMatchObject({ userId: 'frank' });
    });

    it('fetches the JWKS once and then serves keys from the cache', async () => {
      const fresh = new JwtTokenVerifier({ issuer: idp.issuer, audience: idp.audience, jwksUrl: idp.jwksUrl });
      const before = idp.jwksRequests();
      for (const user of ['u1', 'u2', 'u3']) await fresh.verify(`Bearer ${await idp.token(user, ['researcher'])}`);
      expect(idp.jwksRequests() - before).toBe(1);
    });
  });

  type Refusal = { name: string; header: () => Promise<string | undefined>; code: AuthErrorCode };
  const refusals: Refusal[] = [
    {
      name: 'expired beyond the clock tolerance',
      header: async () => `Bearer ${await idp.token('u', ['researcher'], { expiresInSeconds: -120 })}`,
      code: 'TOKEN_EXPIRED',
    },
    {
      name: 'from another issuer',
      header: async () => `Bearer ${await idp.token('u', ['researcher'], { issuer: 'https://evil.example/realms/tre' })}`,
      code: 'TOKEN_INVALID',
    },
    {
      name: 'for another audience',
      header: async () => `Bearer ${await idp.token('u', ['researcher'], { audience: 'some-other-app' })}`,
      code: 'TOKEN_INVALID',
    },
    {
      name: 'signed with a key the issuer does not publish',
      header: async () => `Bearer ${await idp.token('u', ['researcher'], { signWithForeignKey: true })}`,
      code: 'TOKEN_INVALID',
    },
    {
      name: 'whose payload was altered after signing (role escalation)',
      header: async () => {
        const [header, , signature] = (await idp.token('u', ['researcher'])).split('.');
        return `Bearer ${header}.${base64url({ ...validClaims(), sub: 'u', roles: ['administrator'] })}.${signature}`;
      },
      code: 'TOKEN_INVALID',
    },
    { name: 'with `alg: none`', header: async () => `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(validClaims())}.`, code: 'TOKEN_INVALID' },
    {
      name: 'HS256 signed with a guessable secret',
      header: async () => `Bearer ${await new SignJWT(validClaims()).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('secret'))}`,
      code: 'TOKEN_INVALID',
    },
    {
      name: "HS256 signed with the issuer's public JWKS as the secret (key confusion)",
      header: async () => {
        const publicJwks = await (await fetch(idp.jwksUrl)).text();
        return `Bearer ${await new SignJWT(validClaims()).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(publicJwks))}`;
      },
      code: 'TOKEN_INVALID',
    },
    { name: 'garbage after Bearer', header: async () => 'Bearer not-a-jwt', code: 'TOKEN_INVALID' },
    { name: 'absurdly long', header: async () => `Bearer ${'a'.repeat(20_000)}`, code: 'TOKEN_INVALID' },
    { name: 'missing (no header)', header: async () => undefined, code: 'TOKEN_MISSING' },
    { name: 'missing (empty header)', header: async () => '', code: 'TOKEN_MISSING' },
    { name: 'missing (Bearer without a token)', header: async () => 'Bearer ', code: 'TOKEN_MISSING' },
    { name: 'sent with the Basic scheme', header: async () => `Basic ${Buffer.from('alice:password').toString('base64')}`, code: 'TOKEN_MISSING' },
    { name: 'sent raw, without a scheme', header: async () => await idp.token('u', ['researcher']), code: 'TOKEN_MISSING' },
  ];

  describe('refuses a token', () => {
    it.each(refusals)('$name → $code', async ({ header, code }) => {
      const authorization = await header();
      const error = await refusal(verifier.verify(authorization));
      expect(error.code).toBe(code);
      // Errors end up in logs; the credential must not.
      const token = authorization?.split(' ').pop();
      if (token) expect(`${error.message} ${error.stack}`).not.toContain(token);
    });

    it('refuses a slightly expired token when the tolerance is zero', async () => {
      const strict = new JwtTokenVerifier({ issuer: idp.issuer, audience: idp.audience, jwksUrl: idp.jwksUrl, clockToleranceSeconds: 0 });
      const token = await idp.token('u', ['researcher'], { expiresInSeconds: -10 });
      expect((await refusal(strict.verify(`Bearer ${token}`))).code).toBe('TOKEN_EXPIRED');
    });
  });

  describe('fails closed when the issuer cannot be reached', () => {
    it('gives ISSUER_UNAVAILABLE when the JWKS server is down', async () => {
      const gone = await startTestIdentityProvider();
      const token = await gone.token('alice', ['researcher']);
      await gone.stop();
      const fresh = new JwtTokenVerifier({ issuer: gone.issuer, audience: gone.audience, jwksUrl: gone.jwksUrl });
      expect((await refusal(fresh.verify(`Bearer ${token}`))).code).toBe('ISSUER_UNAVAILABLE');
    });

    it('gives ISSUER_UNAVAILABLE when the JWKS endpoint answers with an error', async () => {
      const broken = await startJsonServer(() => ({ status: 500, body: { error: 'boom' } }));
      try {
        const token = await idp.token('alice', ['researcher']);
        const fresh = new JwtTokenVerifier({ issuer: idp.issuer, audience: idp.audience, jwksUrl: `${broken.url}/jwks` });
        expect((await refusal(fresh.verify(`Bearer ${token}`))).code).toBe('ISSUER_UNAVAILABLE');
      } finally {
        await broken.stop();
      }
    });

    it('does not contact the issuer for a token refused on its header', async () => {
      const before = idp.jwksRequests();
      const fresh = new JwtTokenVerifier({ issuer: idp.issuer, audience: idp.audience, jwksUrl: idp.jwksUrl });
      await refusal(fresh.verify(`Bearer ${base64url({ alg: 'none' })}.${base64url(validClaims())}.`));
      expect(idp.jwksRequests()).toBe(before);
    });
  });

  describe('configuration', () => {
    it.each([
      { name: 'a JWKS URL that is not http(s)', change: { jwksUrl: 'file:///etc/jwks.json' } },
      { name: 'an empty audience', change: { audience: '' } },
      { name: 'a clock tolerance above five minutes', change: { clockToleranceSeconds: 3600 } },
    ])('is refused at boot with $name', ({ change }) => {
      expect(() => new JwtTokenVerifier({ issuer: 'https://idp.example', audience: 'airlock', jwksUrl: 'https://idp.example/jwks', ...change })).toThrow(
        /Invalid auth config/,
      );
    });
  });
});
