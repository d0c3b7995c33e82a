import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { DEFAULT_PROJECT_POLICY, RegistryHandler } from '@airlock/application';
import { loadConfig } from '@airlock/config';
import { createDb, type Db } from '@airlock/database';
import type { RunningHttpService } from '@airlock/http';
import { buildInfra, type Infra } from '@airlock/runtime';
import { WebSession, csrfOf, realStack, textOf, uniqueId, type PageResponse } from '@airlock/testing';
import { startIngress } from './ingress.app';

// The development issuer (AIRLOCK_DEV_IDENTITY=true, embedded defaults, loopback) as the pages'
// OIDC provider: discovery, its sign-in page, and the code exchanged with PKCE (S256), as with
// Keycloak (docs/adr/0011-web-pages.md). Ingress runs in-process on the real PostgreSQL.
jest.setTimeout(120_000);

const PORT = 4108;
const BASE = `http://127.0.0.1:${PORT}`;
const logger = pino({ level: 'silent' });
const dataDir = mkdtempSync(path.join(tmpdir(), 'airlock-dev-sign-in-'));
const alice = uniqueId('alice');
const project = uniqueId('project');
let db: Db;
let infra: Infra;
let ingress: RunningHttpService;

beforeAll(async () => {
  const config = loadConfig({ AIRLOCK_DEV_IDENTITY: 'true', AIRLOCK_INGRESS_PORT: String(PORT), AIRLOCK_DATA_DIR: dataDir, AIRLOCK_CLAMD_HOST: '' });
  db = createDb({ url: realStack().databaseUrl, max: 4 });
  infra = await buildInfra(config, { service: 'ingress', logger, shared: { db } });
  ingress = await startIngress(infra, config, logger);
  const registry = new RegistryHandler(infra.eventStore, '/airlock/test');
  const admin = { userId: 'root', roles: ['administrator' as const] };
  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  await registry.execute((at) => ({
    type: 'CreateProject',
    actor: admin,
    at,
    data: { projectId: project, name: 'Dev sign-in', policy: DEFAULT_PROJECT_POLICY },
  }));
  await registry.execute((at) => ({ type: 'AddMember', actor: admin, at, data: { projectId: project, userId: alice } }));
  await registry.execute((at) => ({ type: 'GrantAccreditation', actor: admin, at, data: { userId: alice, expiresAt } }));
});

afterAll(async () => {
  await ingress?.close();
  await infra?.close();
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Up to the development issuer's sign-in page: the authorize URL the pages sent the browser to, and the page. */
async function toSignInPage(web: WebSession): Promise<{ authorize: URL; page: PageResponse }> {
  const start = await web.send('GET', `${BASE}/web/`);
  expect(start.status).toBe(303);
  const signIn = await web.send('GET', start.location ?? '');
  const authorize = new URL(signIn.location ?? '');
  expect(authorize.origin + authorize.pathname).toBe(`${BASE}/dev/authorize`);
  const page = await web.send('GET', authorize.toString());
  return { authorize, page };
}

function hiddenFields(page: PageResponse): Record<string, string> {
  return Object.fromEntries([...page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2].replace(/&amp;/g, '&')]));
}

describe('the development issuer as the pages\u2019 OIDC provider', () => {
  it('publishes a discovery document for the code flow with S256', async () => {
    const discovery = (await (await fetch(`${BASE}/dev/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      authorization_endpoint: `${BASE}/dev/authorize`,
      token_endpoint: `${BASE}/dev/token`,
      jwks_uri: `${BASE}/dev/jwks`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
    });
  });

  it('signs a researcher in with PKCE through its sign-in page, then the pages work for them', async () => {
    const web = new WebSession(BASE);
    const { authorize, page } = await toSignInPage(web);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(textOf(page)).toContain('Development only');
    const hidden = hiddenFields(page);
    expect(hidden['code_challenge']).toBe(authorize.searchParams.get('code_challenge'));

    const back = await web.send('POST', `${BASE}/dev/authorize`, {
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({ ...hidden, userId: alice, roles: 'researcher' }).toString(),
    });
    expect(back.status).toBe(303);
    const callback = new URL(back.location ?? '');
    expect(callback.pathname).toBe('/web/auth/callback');
    expect(callback.searchParams.get('state')).toBe(authorize.searchParams.get('state'));
    const signedIn = await web.send('GET', callback.toString());
    expect(signedIn.status).toBe(200);

    const home = await web.get('/web/');
    expect(textOf(home)).toContain(`Signed in as ${alice}`);
    const form = await web.get('/web/requests/new');
    const created = await web.post('/web/requests', { _csrf: csrfOf(form), projectId: project, title: 'Signed in through the development issuer' });
    expect(created.status).toBe(200);
    expect(textOf(created)).toContain('Draft');

    // The code was spent by the pages' exchange: replaying it (even with a verifier) is refused.
    const replay = await fetch(`${BASE}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code') ?? '',
        client_id: 'airlock-web',
        redirect_uri: `${BASE}/web/auth/callback`,
        code_verifier: 'A'.repeat(43),
      }).toString(),
    });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses its sign-in form without the CSRF token, and an unregistered redirect URI without redirecting', async () => {
    const web = new WebSession(BASE);
    const { authorize, page } = await toSignInPage(web);
    const { _csrf: _dropped, ...withoutToken } = hiddenFields(page);
    const forged = await web.send('POST', `${BASE}/dev/authorize`, {
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({ ...withoutToken, userId: 'mallory', roles: 'administrator' }).toString(),
    });
    expect(forged.status).toBe(403);
    expect(forged.location).toBeUndefined();

    const elsewhere = new URL(authorize);
    elsewhere.searchParams.set('redirect_uri', 'https://evil.example/web/auth/callback');
    const refused = await web.send('GET', elsewhere.toString());
    expect(refused.status).toBe(400);
    expect(refused.location).toBeUndefined();
    expect(textOf(refused)).toContain('redirect_uri is not registered');

    const plain = new URL(authorize);
    plain.searchParams.set('code_challenge_method', 'plain');
    expect((await web.send('GET', plain.toString())).status).toBe(400);
  });

  it('still issues tokens by JSON for scripts, and refuses a code exchange with the wrong verifier', async () => {
    const json = await fetch(`${BASE}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: alice, roles: ['researcher'] }),
    });
    expect(json.status).toBe(201);
    expect(await json.json()).toMatchObject({ token_type: 'Bearer' });

    const web = new WebSession(BASE);
    const { page } = await toSignInPage(web);
    const back = await web.send('POST', `${BASE}/dev/authorize`, {
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({ ...hiddenFields(page), userId: alice, roles: 'researcher' }).toString(),
    });
    const code = new URL(back.location ?? '').searchParams.get('code') ?? '';
    const wrong = await fetch(`${BASE}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        client_id: 'airlock-web',
        redirect_uri: `${BASE}/web/auth/callback`,
        code_verifier: 'B'.repeat(43),
      }).toString(),
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/code_verifier/) });
  });
});
