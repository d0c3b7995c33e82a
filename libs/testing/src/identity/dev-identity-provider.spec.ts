// The auth lib's verifier and development issuer, tested here with the test identity provider
// (libs/testing depends on auth; a spec inside auth importing testing would close a cycle).
// Specs use the shared test identity provider (docs/design.md).
import { AuthError, DevIdentityProvider, type IssuedDevToken, JwtTokenVerifier } from '@airlock/auth';
import { startJsonServer, type JsonServer } from './test-identity-provider';

const config = { issuer: 'http://localhost:3000/dev-idp', audience: 'airlock' };

describe('DevIdentityProvider', () => {
  let dev: DevIdentityProvider;
  let jwksServer: JsonServer;
  let verifier: JwtTokenVerifier;

  beforeAll(async () => {
    dev = await DevIdentityProvider.start(config);
    // Stands in for the HTTP route another module serves the JWKS from.
    jwksServer = await startJsonServer(() => ({ status: 200, body: dev.jwks() }));
    verifier = new JwtTokenVerifier({ ...config, jwksUrl: `${jwksServer.url}/jwks` });
  });
  afterAll(() => jwksServer.stop());

  it('issues tokens the JWT verifier accepts', async () => {
    const token = await dev.issue({ userId: 'alice', roles: ['researcher'], ttlSeconds: 60 });
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({ userId: 'alice', roles: ['researcher'] });
  });

  it('publishes only the public half of its ES256 key', () => {
    const [key] = dev.jwks().keys;
    expect(dev.jwks().keys).toHaveLength(1);
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(key).not.toHaveProperty('d');
  });

  it('issues tokens with the configured issuer and audience', async () => {
    const token = await dev.issue({ userId: 'alice', roles: [] });
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ iss: config.issuer, aud: config.audience, sub: 'alice' });
  });

  it('makes a new key at every boot, so tokens from an earlier run stop working', async () => {
    const previousRun = await DevIdentityProvider.start(config);
    const token = await previousRun.issue({ userId: 'alice', roles: ['researcher'] });
    const error = await verifier.verify(`Bearer ${token}`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('tells its listener about every token it issues: who, which roles, until when', async () => {
    const issued: IssuedDevToken[] = [];
    const listened = await DevIdentityProvider.start({ ...config, onIssued: (token) => issued.push(token) });
    await listened.issue({ userId: 'root', roles: ['administrator', 'auditor'], ttlSeconds: 60 });
    expect(issued).toEqual([{ userId: 'root', roles: ['administrator', 'auditor'], expiresAt: expect.any(String), tokenId: expect.any(String) }]);
    expect(Date.parse(issued[0].expiresAt) - Date.now()).toBeGreaterThan(50_000);
  });

  it.each([0, -5, 1.5])('refuses a ttl of %p seconds', async (ttlSeconds) => {
    await expect(dev.issue({ userId: 'alice', roles: [], ttlSeconds })).rejects.toThrow(/ttlSeconds/);
  });
});
