import { WebSession, csrfOf, type AirlockClient, type PageResponse } from '@airlock/testing';
import { newProject, startAirlock, type AirlockUnderTest } from './airlock-stack';

// The pages are not in the OpenAPI documents, so the contract fuzzer and the authorization matrix
// never reach them. Here every page route of ingress and egress-review gets hostile ids, query
// values and bodies from a signed-in person who holds a valid CSRF token: each answer is a clear
// 4xx (or the page, for a harmless query), never a 5xx, and the service keeps answering.
jest.setTimeout(240_000);

const HOSTILE_IDS = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  '%2E%2E%2Fx',
  // ('%2E%2E' alone is left out: a client's URL parser resolves it as '..' before it is sent.)
  '.%2E.',
  '..%5C..%5Cetc',
  '%00',
  '%E2%80%AE%E2%80%8B',
  '%F0%9F%92%A5',
  '%C0%AF',
  '%25',
  'a'.repeat(4096),
  '00000000-0000-0000-0000-000000000000',
  "'%20OR%201=1--",
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
];

const HOSTILE_USER_IDS = ['__proto__', 'constructor', '../root', 'a\u0000b', 'x'.repeat(100_000), '\u202Eevil', '<script>alert(1)</script>', ' ', ''];

// Query values a parser might turn into arrays or objects (`q[]=`, `q[$ne]=`), or hold as huge strings.
const HOSTILE_QUERIES = ['q[]=a&q[]=b', 'q[$ne]=1', 'q[__proto__][x]=1', `q=${'x'.repeat(20_000)}`, 'q=%00', 'group[]=a', 'group[toString]=1'];

let airlock: AirlockUnderTest;
let project: string;
let researcher: AirlockClient;
let existingRequest: string;

async function signedIn(baseUrl: string, start: string, userId: string, roles: string[]): Promise<WebSession> {
  airlock.idp.signIn({ userId, roles });
  const session = new WebSession(baseUrl);
  const page = await session.get(start);
  expect(page.status).toBe(200);
  return session;
}

/** Every answer here: no 5xx, and when it is not a page or a redirect, a client error. */
function expectClientAnswer(page: PageResponse & { location?: string }, what: string) {
  if (page.status >= 500) throw new Error(`${what} answered ${page.status}: ${page.body.slice(0, 300)}`);
  expect([200, 303, 400, 403, 404, 405, 409, 413, 414, 415, 422, 431]).toContain(page.status);
}

beforeAll(async () => {
  airlock = await startAirlock(4600, { env: { AIRLOCK_WEB_SESSION_SECRET: 'e2e-session-secret-of-at-least-32-characters' }, readyWithinMs: 240_000 });
  const admin = airlock.client.as(await airlock.token('root', ['administrator']));
  project = newProject();
  await admin.setUpProject(project, { researchers: ['alice'], checkers: ['chris', 'dana'] });
  researcher = airlock.client.as(await airlock.token('alice', ['researcher']));
  const created = await researcher.createRequest(project, 'A request the hostile ids sit beside');
  existingRequest = created.requestId;
});

afterAll(async () => {
  await airlock?.stop();
});

describe('researcher pages (ingress) with hostile ids, queries and bodies', () => {
  it('answers every hostile request id and file id with a 4xx, never a 5xx', async () => {
    const ingress = airlock.services.ingress.url;
    const web = await signedIn(ingress, '/web/', 'alice', ['researcher']);
    const token = csrfOf(await web.get('/web/requests/new'));
    for (const id of HOSTILE_IDS) {
      const gets = [
        `/web/requests/${id}`,
        `/web/requests/${id}/groups/new`,
        `/web/requests/${existingRequest}/groups/new?group=${id}`,
        `/web/requests/${existingRequest}/files/${id}`,
        `/web/requests/${existingRequest}/files/${id}/grid.json`,
        `/web/requests/${id}/files/${id}`,
      ];
      for (const path of gets) {
        const page = await web.send('GET', `${ingress}${path}`);
        expectClientAnswer(page, `GET ${path.slice(0, 80)}`);
        if (path.startsWith(`/web/requests/${id}`) && page.status === 200)
          throw new Error(`GET ${path.slice(0, 80)} showed a page for a request that does not exist`);
      }
      const posts: Array<[string, Record<string, string>]> = [
        [`/web/requests/${id}/groups`, { _csrf: token, group: 'outputs', context: 'c', controls: 'c', version: '1' }],
        [`/web/requests/${id}/submit`, { _csrf: token, version: '1' }],
        [`/web/requests/${id}/withdraw`, { _csrf: token, version: '1' }],
        [`/web/requests/${existingRequest}/files/${id}/remove`, { _csrf: token, version: '1' }],
        [`/web/requests/${existingRequest}/files/${id}/exceptions`, { _csrf: token, version: '1', rule: id, justification: 'x' }],
        [`/web/requests/${existingRequest}/groups`, { _csrf: token, group: id, context: id, controls: id, version: id }],
        [`/web/requests/${existingRequest}/files/${id}/download-link`, { _csrf: token }],
        [`/web/requests/${id}/files/${id}/download-link`, { _csrf: token }],
      ];
      for (const [path, fields] of posts) {
        const page = await web.send('POST', `${ingress}${path}`, {
          body: new URLSearchParams(fields).toString(),
          contentType: 'application/x-www-form-urlencoded',
        });
        expectClientAnswer(page, `POST ${path.slice(0, 80)}`);
      }
    }
    // Every form, the download-link one included, is refused without the session's CSRF token.
    for (const path of [
      `/web/requests/${existingRequest}/files/00000000-0000-0000-0000-000000000000/download-link`,
      `/web/requests/${existingRequest}/submit`,
      `/web/requests/${existingRequest}/groups`,
    ]) {
      const page = await web.send('POST', `${ingress}${path}`, { body: 'version=1', contentType: 'application/x-www-form-urlencoded' });
      expect([path, page.status]).toEqual([path, 403]);
    }
    // The request that was there all along is unharmed and still shown.
    const still = await web.get(`/web/requests/${existingRequest}`);
    expect(still.status).toBe(200);
    expect(still.body).toContain('A request the hostile ids sit beside');
    expect((await researcher.getRequest(existingRequest)).files).toEqual([]);
  });

  it('refuses bodies and fields of the wrong shape or size with a 4xx', async () => {
    const ingress = airlock.services.ingress.url;
    const web = await signedIn(ingress, '/web/', 'alice', ['researcher']);
    const token = csrfOf(await web.get('/web/requests/new'));
    const groupsBefore = (await researcher.getRequest(existingRequest)).groups;
    const send = (path: string, body: string, contentType: string) => web.send('POST', `${ingress}${path}`, { body, contentType });
    const cases: Array<[string, string, string]> = [
      // Repeated and bracketed fields: arrays and objects where a string is expected.
      ['/web/requests', `_csrf=${token}&projectId=${project}&projectId=other&title=a&title=b`, 'application/x-www-form-urlencoded'],
      ['/web/requests', `_csrf=${token}&projectId[$ne]=1&title[__proto__][x]=1`, 'application/x-www-form-urlencoded'],
      [`/web/requests/${existingRequest}/groups`, `_csrf=${token}&group[]=a&context=${'c'.repeat(2_000_000)}`, 'application/x-www-form-urlencoded'],
      // JSON and text where a form is expected; a multipart body with no boundary.
      // (A JSON body with the session's token is the same action as the form; only its answer is checked.)
      ['/web/requests', JSON.stringify({ _csrf: token, projectId: [project], title: { x: 1 } }), 'application/json'],
      ['/web/requests', `_csrf=${token}&projectId=${project}&title=made-from-a-text-body`, 'text/plain'],
      [`/web/requests/${existingRequest}/files`, '--x\r\n', 'multipart/form-data'],
      [
        `/web/requests/${existingRequest}/files`,
        `--b\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n--b--\r\n`,
        'multipart/form-data; boundary=b',
      ],
    ];
    for (const [path, body, contentType] of cases) expectClientAnswer(await send(path, body, contentType), `POST ${path} as ${contentType}`);
    // None of them made a request or a group.
    expect((await researcher.getRequest(existingRequest)).groups).toEqual(groupsBefore);
    expect((await web.get('/web/')).body).not.toContain('made-from-a-text-body');
  });

  it('keeps the administrator page to clear answers for hostile project ids and member ids', async () => {
    const ingress = airlock.services.ingress.url;
    const web = await signedIn(ingress, '/web/admin', 'root', ['administrator']);
    const token = csrfOf(await web.get('/web/admin'));
    for (const id of HOSTILE_IDS) {
      for (const [projectId, userId] of [
        [id, 'bob'],
        [project, HOSTILE_USER_IDS[HOSTILE_IDS.indexOf(id) % HOSTILE_USER_IDS.length]],
      ]) {
        const page = await web.send('POST', `${ingress}/web/admin/projects/${projectId}/members`, {
          body: new URLSearchParams({ _csrf: token, userId }).toString(),
          contentType: 'application/x-www-form-urlencoded',
        });
        expectClientAnswer(page, `POST /web/admin/projects/${projectId.slice(0, 40)}/members userId=${userId.slice(0, 40)}`);
      }
    }
    for (const id of HOSTILE_IDS) {
      for (const [path, fields] of [
        [`/web/admin/projects/${id}/members/${id}/remove`, {}],
        [`/web/admin/projects/${project}/members/${id}/remove`, {}],
        [`/web/admin/projects/${id}/checkers`, { userId: 'chris' }],
        [`/web/admin/projects/${project}/checkers/${id}/remove`, {}],
        [`/web/admin/projects/${project}/accreditations/${id}`, { expiresOn: id, lastDay: id }],
      ] as Array<[string, Record<string, string>]>) {
        const page = await web.send('POST', `${ingress}${path}`, {
          body: new URLSearchParams({ _csrf: token, ...fields }).toString(),
          contentType: 'application/x-www-form-urlencoded',
        });
        expectClientAnswer(page, `POST ${path.slice(0, 80)}`);
      }
    }
    const page = await web.get('/web/admin');
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('__proto__');
  });
});

describe('checker pages (egress-review) with hostile ids and queries', () => {
  it('answers every hostile request id, file id and queue query with a 4xx or the page, never a 5xx', async () => {
    const egress = airlock.services['egress-review'].url;
    const web = await signedIn(egress, '/web/reviews', 'chris', ['output_checker']);
    const token = csrfOf(
      await web.get(`/web/reviews?q=${encodeURIComponent(project)}`).then((page) => (page.body.includes('_csrf') ? page : web.get('/web/reviews'))),
    );
    for (const query of HOSTILE_QUERIES) {
      const page = await web.send('GET', `${egress}/web/reviews?${query}`);
      expectClientAnswer(page, `GET /web/reviews?${query.slice(0, 40)}`);
    }
    for (const id of HOSTILE_IDS) {
      for (const path of [
        `/web/reviews/${id}`,
        `/web/reviews/${id}/release-record`,
        `/web/reviews/${id}/release`,
        `/web/reviews/${existingRequest}/release`,
        `/web/reviews/${existingRequest}/files/${id}`,
        `/web/reviews/${existingRequest}/files/${id}/grid.json`,
        `/web/reviews/${existingRequest}/files/${id}/content`,
        `/web/reviews/${id}/files/${id}/content`,
      ]) {
        const page = await web.send('GET', `${egress}${path}`);
        expectClientAnswer(page, `GET ${path.slice(0, 80)}`);
        if (page.status === 200) throw new Error(`GET ${path.slice(0, 80)} showed a page for something that does not exist`);
      }
      for (const path of [`/web/reviews/${id}/files/${id}/vote`, `/web/reviews/${id}/groups/vote`, `/web/reviews/${id}/comments`]) {
        const page = await web.send('POST', `${egress}${path}`, {
          body: new URLSearchParams({ _csrf: token, decision: id, group: id, comment: id, etag: id, visibility: id }).toString(),
          contentType: 'application/x-www-form-urlencoded',
        });
        expectClientAnswer(page, `POST ${path.slice(0, 80)}`);
      }
    }
    expect((await web.get('/web/reviews')).status).toBe(200);
  });
});
