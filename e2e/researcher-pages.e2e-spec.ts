import { createHash } from 'node:crypto';
import { WebSession, csrfOf, expectEventually, fieldOf, textOf, uniqueId, type AirlockClient, type PageResponse } from '@airlock/testing';
import { newProject, startAirlock, type AirlockUnderTest } from './airlock-stack';

// The researcher's pages on the real stack (four service processes, PostgreSQL, Kafka, S3, clamd),
// driven over plain HTTP as a browser without JavaScript would: sign-in through the OIDC provider
// with authorization code + PKCE, then a request made, described, uploaded and submitted through
// forms, each carrying the session's CSRF token (docs/adr/0011-web-pages.md).
jest.setTimeout(180_000);

const SAFE_TABLE = 'ward,admissions_2024,admissions_2025\nA,120,134\nB,98,101\nC,57,66\n';
const RISKY_TABLE = 'ward,y2023,y2024,y2025\nA,40,3,35\nB,45,50,52\nC,38,41,44\n';
const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

let airlock: AirlockUnderTest;
let project: string;
let api: AirlockClient;
// People of this run only, so "my requests" holds just what this test made.
const alice = uniqueId('alice');
const olga = uniqueId('olga');

beforeAll(async () => {
  airlock = await startAirlock(4100);
  const admin = airlock.client.as(await airlock.token('root', ['administrator']));
  project = newProject();
  await admin.setUpProject(project, { researchers: [alice, olga], checkers: ['chris', 'dana'] });
  api = airlock.client.as(await airlock.token(alice, ['researcher']));
});

afterAll(async () => {
  await airlock?.stop();
});

/** Signs in through the provider's code flow, checking each hop; returns the session and the provider's authorize URL. */
async function signedIn(userId: string, roles = ['researcher']): Promise<{ web: WebSession; authorize: URL }> {
  airlock.idp.signIn({ userId, roles });
  const web = new WebSession(airlock.services.ingress.url);
  const start = await web.send('GET', `${web.baseUrl}/web/`);
  expect(start.status).toBe(303);
  const signIn = await web.send('GET', start.location ?? '');
  expect(signIn.status).toBe(303);
  const authorize = new URL(signIn.location ?? '');
  const atProvider = await web.send('GET', authorize.toString());
  expect(atProvider.status).toBe(303);
  const callback = await web.send('GET', atProvider.location ?? '');
  expect(callback.status).toBe(200);
  expect(callback.body).toContain('href="/web/"');
  return { web, authorize };
}

const expectSecurityHeaders = (page: PageResponse) => {
  const csp = page.headers.get('content-security-policy') ?? '';
  expect(csp.split('; ')).toEqual(
    expect.arrayContaining(["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"]),
  );
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  expect(page.headers.get('x-frame-options')).toBe('DENY');
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  expect(page.headers.get('cache-control')).toBe('no-store');
  // No inline script or style in the markup the CSP would have to allow.
  expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|\sstyle="|\son[a-z]+="/i);
};

describe('signing in to the researcher pages', () => {
  it('uses authorization code with PKCE S256, state and nonce, and a sealed HttpOnly SameSite=Strict session cookie', async () => {
    airlock.idp.signIn({ userId: alice, roles: ['researcher'] });
    const web = new WebSession(airlock.services.ingress.url);
    const signIn = await web.send('GET', `${web.baseUrl}/web/sign-in`);
    const authorize = new URL(signIn.location ?? '');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(authorize.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${web.baseUrl}/web/auth/callback`);
    const back = await web.send('GET', authorize.toString());
    const code = new URL(back.location ?? '').searchParams.get('code');
    expect(code).toBeTruthy();

    // A callback whose state is not this browser's sign-in is refused, and signs no one in.
    const forged = new URL(back.location ?? '');
    forged.searchParams.set('state', 'someone-elses-state');
    const refused = await web.send('GET', forged.toString());
    expect(refused.status).toBe(400);
    expect(textOf(refused)).toContain('state mismatch');
    expect((await web.send('GET', `${web.baseUrl}/web/`)).status).toBe(303);

    // The genuine callback (a fresh sign-in, since the refused one spent the transaction) signs in.
    const { web: signedInWeb } = await signedIn(alice);
    const home = await signedInWeb.get('/web/');
    expect(home.status).toBe(200);
    expect(textOf(home)).toContain(`Signed in as ${alice}`);
    expectSecurityHeaders(home);
    expect(signedInWeb.cookieNames()).toContain('airlock_ingress');
  });

  it('sets the session cookie HttpOnly, SameSite=Strict, without Secure over plain HTTP', async () => {
    const web = new WebSession(airlock.services.ingress.url);
    const first = await web.send('GET', `${web.baseUrl}/web/signed-out`);
    const cookie = first.headers.getSetCookie().find((c) => c.startsWith('airlock_ingress='));
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).not.toMatch(/; Secure/);
    expect(cookie).not.toMatch(/csrf|userId/i);
  });

  it("a code taken without the browser's PKCE verifier is refused by the provider", async () => {
    const { authorize } = await signedIn(alice);
    expect(authorize.searchParams.get('client_id')).toBe('airlock-web');
    const web = new WebSession(airlock.services.ingress.url);
    const signIn = await web.send('GET', `${web.baseUrl}/web/sign-in`);
    const back = await web.send('GET', signIn.location ?? '');
    const code = new URL(back.location ?? '').searchParams.get('code') ?? '';
    const token = (verifier: string) =>
      fetch(new URL('/token', authorize).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          client_id: 'airlock-web',
          redirect_uri: `${web.baseUrl}/web/auth/callback`,
          code_verifier: verifier,
        }).toString(),
      });
    // Without the browser's verifier (kept sealed in its login cookie) the code is worth nothing.
    const stolen = await token('A'.repeat(43));
    expect(stolen.status).toBe(400);
    expect(await stolen.json()).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('a researcher request through the pages', () => {
  let web: WebSession;
  let requestPath: string;

  beforeAll(async () => {
    ({ web } = await signedIn(alice));
  });

  it('creates a request, describes a group, uploads two tables and submits, through the same code as the API', async () => {
    const form = await web.get('/web/requests/new');
    expectSecurityHeaders(form);
    expect(form.body).toContain(`<option value="${project}"`);
    const invalid = await web.post('/web/requests', { _csrf: csrfOf(form), projectId: project, title: '' });
    expect(invalid.status).toBe(400);
    expect(textOf(invalid)).toContain('There is a problem');

    const created = await web.post('/web/requests', { _csrf: csrfOf(form), projectId: project, title: 'Admissions by ward <script>alert(1)</script>' });
    expect(created.status).toBe(200);
    requestPath = new URL(created.url).pathname;
    expect(requestPath).toMatch(/^\/web\/requests\/[0-9a-f-]{36}$/);
    const requestId = requestPath.split('/').pop() ?? '';
    expect(created.body).toContain('Admissions by ward &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(created.body).not.toContain('<script>alert(1)');
    expect(textOf(created)).toContain('Draft');

    const groupForm = await web.get(`${requestPath}/groups/new`);
    const grouped = await web.post(`${requestPath}/groups`, {
      _csrf: csrfOf(groupForm),
      version: fieldOf(groupForm, 'version'),
      group: 'tables',
      context: 'Hospital admissions by ward, adults, 2023 to 2025',
      controls: 'Counts below 10 suppressed',
    });
    expect(grouped.status).toBe(200);
    expect(textOf(grouped)).toContain('Hospital admissions by ward, adults, 2023 to 2025');

    const upload = new FormData();
    upload.append('_csrf', csrfOf(grouped));
    upload.append('group', 'tables');
    upload.append('kind', 'output');
    upload.append('files', new Blob([SAFE_TABLE], { type: 'text/csv' }), 'admissions.csv');
    upload.append('files', new Blob([RISKY_TABLE], { type: 'text/csv' }), 'small-counts.csv');
    const uploaded = await web.postMultipart(`${requestPath}/files`, upload);
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toContain(sha256(SAFE_TABLE));
    expect(uploaded.body).toContain(sha256(RISKY_TABLE));

    // A file added by mistake is removed with its own button (the API's RemoveFile).
    const extra = new FormData();
    extra.append('_csrf', csrfOf(uploaded));
    extra.append('group', 'tables');
    extra.append('files', new Blob(['x,y\n1,2\n']), 'mistake.csv');
    const withExtra = await web.postMultipart(`${requestPath}/files`, extra);
    const extraId = (await api.getRequest(requestId)).files.find((f) => f.name === 'mistake.csv')?.fileId ?? '';
    expect(withExtra.body).toContain(`${requestPath}/files/${extraId}/remove`);
    const removed = await web.post(`${requestPath}/files/${extraId}/remove`, { _csrf: csrfOf(withExtra), version: fieldOf(withExtra, 'version') });
    expect(removed.status).toBe(200);
    expect(removed.body).not.toContain('mistake.csv');

    // The JSON API sees exactly what the pages did.
    const seen = await api.getRequest(requestId);
    expect(seen.groups).toEqual([{ group: 'tables', context: 'Hospital admissions by ward, adults, 2023 to 2025', controls: 'Counts below 10 suppressed' }]);
    expect(seen.files.map((f) => [f.name, f.sha256, f.size])).toEqual([
      ['admissions.csv', sha256(SAFE_TABLE), SAFE_TABLE.length],
      ['small-counts.csv', sha256(RISKY_TABLE), RISKY_TABLE.length],
    ]);

    const submitted = await web.post(`${requestPath}/submit`, { _csrf: csrfOf(uploaded), version: String(seen.version) });
    expect(submitted.status).toBe(200);
    const checked = await expectEventually(
      async () => {
        const page = await web.get(requestPath);
        if (!textOf(page).includes('Waiting for output checkers')) throw new Error(`not yet checked: ${textOf(page).slice(0, 200)}`);
        return page;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const text = textOf(checked);
    expect(text).toContain('No virus found');
    expect(text).toContain('No disclosure risk found');
    expect(text).toContain('Disclosure risk found');
    expect((await api.getRequest(requestId)).status).toBe('awaiting_review');

    // An exception to the finding, asked for from the page, reaches the request as through the API.
    const riskyId = seen.files.find((f) => f.name === 'small-counts.csv')?.fileId ?? '';
    expect(checked.body).toContain(`${requestPath}/files/${riskyId}/exceptions`);
    const current = await api.getRequest(requestId);
    const noReason = await web.post(`${requestPath}/files/${riskyId}/exceptions`, {
      _csrf: csrfOf(checked),
      version: String(current.version),
      rule: 'threshold',
      justification: '',
    });
    expect(noReason.status).toBe(400);
    const asked = await web.post(`${requestPath}/files/${riskyId}/exceptions`, {
      _csrf: csrfOf(checked),
      version: String(current.version),
      rule: 'threshold',
      justification: 'The 3 is a count of wards, not of people',
    });
    expect(asked.status).toBe(200);
    expect(textOf(asked)).toContain('Exception asked for threshold : The 3 is a count of wards, not of people');
    expect((await api.getRequest(requestId)).files.find((f) => f.fileId === riskyId)?.exceptions).toEqual([
      expect.objectContaining({ rule: 'threshold', justification: 'The 3 is a count of wards, not of people' }),
    ]);

    const list = await web.get('/web/');
    expect(list.body).toContain(`href="${requestPath}"`);
  });

  it('refuses a form post without the CSRF token, or with another one, with 403 and changes nothing', async () => {
    const form = await web.get('/web/requests/new');
    const before = (await web.get('/web/')).body.match(/href="\/web\/requests\/[0-9a-f-]{36}"/g)?.length ?? 0;
    const missing = await web.post('/web/requests', { projectId: project, title: 'No token' });
    expect(missing.status).toBe(403);
    expectSecurityHeaders(missing);
    const wrong = await web.post('/web/requests', { _csrf: `${csrfOf(form).slice(0, -2)}xx`, projectId: project, title: 'Wrong token' });
    expect(wrong.status).toBe(403);
    // Another person's token is no good either: tokens are bound to the session.
    const { web: other } = await signedIn(olga);
    const olgas = await other.get('/web/requests/new');
    expect((await web.post('/web/requests', { _csrf: csrfOf(olgas), projectId: project, title: 'Olga token' })).status).toBe(403);
    const multipart = new FormData();
    multipart.append('group', 'tables');
    multipart.append('files', new Blob(['a,b\n1,2\n']), 'sneaky.csv');
    const draft = await web.post('/web/requests', { _csrf: csrfOf(form), projectId: project, title: 'Draft for multipart' });
    const draftPath = new URL(draft.url).pathname;
    expect((await web.postMultipart(`${draftPath}/files`, multipart)).status).toBe(403);
    const after = (await web.get('/web/')).body.match(/href="\/web\/requests\/[0-9a-f-]{36}"/g)?.length ?? 0;
    expect(after).toBe(before + 1);
    expect((await api.getRequest(draftPath.split('/').pop() ?? '')).files).toEqual([]);
  });

  it("answers 404 for another researcher's request page, and signs out", async () => {
    const { web: other } = await signedIn(olga);
    const page = await other.get(requestPath);
    expect(page.status).toBe(404);
    expect(page.body).not.toContain('Admissions by ward');
    const home = await other.get('/web/');
    const out = await other.post('/web/sign-out', { _csrf: csrfOf(home) });
    expect(out.status).toBe(200);
    expect(textOf(out)).toContain('You have signed out');
    const again = await other.send('GET', `${other.baseUrl}/web/`);
    expect(again.status).toBe(303);
    expect(again.location).toContain('/web/sign-in');
  });
});

describe('the administrator page', () => {
  it('lists projects with members and accreditation, and adds a member with the registry command; others get 403', async () => {
    const { web: admin } = await signedIn(uniqueId('admin'), ['administrator']);
    const page = await admin.get('/web/admin');
    expect(page.status).toBe(200);
    expectSecurityHeaders(page);
    expect(page.body).toContain(`id="project-${project}"`);
    expect(textOf(page)).toContain(alice);
    const newcomer = uniqueId('nina');
    expect((await admin.post(`/web/admin/projects/${project}/members`, { userId: newcomer })).status).toBe(403);
    const added = await admin.post(`/web/admin/projects/${project}/members`, { _csrf: csrfOf(page), userId: newcomer });
    expect(added.status).toBe(200);
    expect(textOf(added)).toContain(newcomer);
    const registry = airlock.client.as(await airlock.token('root', ['administrator']));
    expect(((await registry.admin('GET', `/projects/${project}`)) as { members: string[] }).members).toContain(newcomer);
    const invalid = await admin.post(`/web/admin/projects/${project}/members`, { _csrf: csrfOf(page), userId: 'not a valid id!' });
    expect(invalid.status).toBe(400);
    expect(textOf(invalid)).toContain('There is a problem');

    const { web: researcher } = await signedIn(alice);
    expect((await researcher.get('/web/admin')).status).toBe(403);
  });
});
