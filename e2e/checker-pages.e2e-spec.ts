import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { WebSession, csrfOf, expectEventually, fieldOf, textOf, type AirlockClient, type PageResponse, type RequestView } from '@airlock/testing';
import { buildWorkbook } from '@airlock/disclosure-rules/testing';
import { newProject, startAirlock, type AirlockUnderTest } from './airlock-stack';

// The checkers' workbench end to end: four service processes on the real PostgreSQL, Kafka, S3
// and clamd; a researcher submits through the API, checkers sign in with authorization code +
// PKCE and review through the pages only. The browser part drives Debian's Chromium.
jest.setTimeout(600_000);

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.join(__dirname, '..', 'docs', 'screenshots');
// Disclosive: 3 admissions in a ward-year is under the threshold of 10.
const RISKY_TABLE = 'ward,y2023,y2024,y2025\nA,40,3,35\nB,45,50,52\nC,38,41,44\n';
const FIXED_TABLE = 'ward,y2023,y2024,y2025\nA,40,10,35\nB,45,50,52\nC,38,41,44\n';
const SAFE_TABLE = 'ward,admissions_2024,admissions_2025\nA,120,134\nB,98,101\nC,57,66\n';
const HOSTILE_NAME = '<img src=x onerror=alert(1)>.csv';
const HOSTILE_TABLE = 'label,count\n"<script>alert(1)</script>",120\n<img src=x onerror=alert(2)>,130\n';
// A workbook: the first sheet is safe; the second, with markup in its name, holds 3 admissions.
const WORKBOOK = buildWorkbook([
  {
    name: 'Totals',
    rows: [
      ['ward', 'admissions'],
      ['A', 120],
      ['B', 98],
      ['C', 57],
    ],
  },
  {
    name: 'Wards <b>2024</b>',
    rows: [
      ['ward', 'y2024'],
      ['A', 3],
      ['B', 50],
      ['C', 41],
    ],
  },
]);

type SignInAs = { userId: string; roles: string[] };
const CHRIS: SignInAs = { userId: 'chris', roles: ['output_checker'] };
const DANA: SignInAs = { userId: 'dana', roles: ['output_checker'] };
// A checker who is also a member of the project: never an independent reviewer of it.
const MALLORY: SignInAs = { userId: 'mallory', roles: ['output_checker', 'researcher'] };
// A checker of another project only.
const OLIVE: SignInAs = { userId: 'olive', roles: ['output_checker'] };

/** Signs in through the test provider's code flow; the callback's continue page moves on by itself in a browser. */
async function signedInSession(person: SignInAs): Promise<WebSession> {
  const session = new WebSession(egress);
  airlock.idp.signIn(person);
  await session.get('/web/reviews');
  return session;
}

const csrf = (page: PageResponse) => csrfOf(page);
const etagOf = (page: PageResponse) => fieldOf(page, 'etag');

let airlock: AirlockUnderTest;
let project: string;
let researcher: AirlockClient;
let egress: string;
let risky: RequestView;

async function untilStatus(id: string, statuses: string[]): Promise<RequestView> {
  return expectEventually(
    async () => {
      const request = await researcher.getRequest(id);
      if (!statuses.includes(request.status)) throw new Error(`request ${id} is ${request.status}, waiting for ${statuses.join('|')}`);
      return request;
    },
    { timeoutMs: 90_000, intervalMs: 200 },
  );
}

const GROUP_TEXT = { context: 'Admissions by ward, 2023-2025, from the HES extract', controls: 'Counts below 10 were meant to be suppressed' };
const HOSTILE_GROUP_TEXT = { context: "<script>alert('context')</script> admissions", controls: "<img src=x onerror=alert('controls')> suppression" };

async function submitted(title: string, files: Record<string, string | Uint8Array>, group = GROUP_TEXT): Promise<RequestView> {
  const created = await researcher.createRequest(project, title);
  await researcher.defineGroup(created.requestId, 'outputs', group.context, group.controls);
  for (const [name, body] of Object.entries(files)) await researcher.upload(created.requestId, name, body);
  await researcher.submit(created.requestId);
  return untilStatus(created.requestId, ['awaiting_review']);
}

beforeAll(async () => {
  airlock = await startAirlock(4200, { env: { AIRLOCK_WEB_SESSION_SECRET: 'e2e-session-secret-of-at-least-32-characters' }, readyWithinMs: 240_000 });
  egress = airlock.services['egress-review'].url;
  researcher = airlock.client.as(await airlock.token('alice', ['researcher']));
  const admin = airlock.client.as(await airlock.token('root', ['administrator']));
  project = newProject();
  await admin.setUpProject(project, { researchers: ['alice', 'mallory'], checkers: ['chris', 'dana'] });
  // Mallory checks another project and is a member of this one; Olive checks only another project.
  await admin.setUpProject(newProject(), { researchers: [], checkers: ['olive', 'mallory'] });
  risky = await submitted('Admissions by ward', { 'admissions_by_ward.csv': RISKY_TABLE, 'admissions_totals.csv': SAFE_TABLE, [HOSTILE_NAME]: HOSTILE_TABLE });
});

afterAll(async () => {
  await airlock?.stop();
});

const fileId = (name: string) => risky.files.find((f) => f.name === name)?.fileId ?? '';

describe('checker pages over HTTP', () => {
  it('signs a checker in with authorization code + PKCE into a strict, HttpOnly, SameSite=Strict session', async () => {
    const session = new WebSession(egress);
    airlock.idp.signIn(CHRIS);
    let hop = await session.send('GET', `${egress}/web/reviews`);
    expect(hop.status).toBe(303);
    expect(hop.location).toMatch(/\/web\/sign-in\?returnTo=/);
    const cookies: string[] = [];
    for (let i = 0; i < 5 && hop.location; i++) {
      hop = await session.send('GET', hop.location);
      cookies.push(...hop.headers.getSetCookie());
    }
    const sessionCookie = cookies.filter((c) => c.startsWith('airlock_egress_review=')).at(-1) ?? '';
    expect(sessionCookie).toMatch(/HttpOnly/i);
    expect(sessionCookie).toMatch(/SameSite=Strict/i);
    const page = await session.get('/web/reviews');
    expect(textOf(page)).toContain('Review queue');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  });

  it('lists the request in the queue with its project, verdicts and my progress, and finds it by search', async () => {
    const session = await signedInSession(CHRIS);
    const shown = textOf(await session.get(`/web/reviews?q=${encodeURIComponent(project)}`));
    expect(shown).toContain('Admissions by ward');
    expect(shown).toContain(project);
    expect(shown).toContain('0 of 3 files voted');
    expect(shown).toMatch(/⚠ 1 fail/);
    expect(textOf(await session.get(`/web/reviews?q=no-such-request-${Date.now()}`))).toContain('No requests match');
  });

  it('shows the request in plain words: groups with context and controls, SHA-256, scan engine, verdicts and a timeline', async () => {
    const session = await signedInSession(CHRIS);
    const page = await session.get(`/web/reviews/${risky.requestId}`);
    expect(page.status).toBe(200);
    const shown = textOf(page);
    expect(shown).toContain('Status: Waiting for your review');
    expect(shown).toContain('Counts below 10 were meant to be suppressed');
    expect(shown).toContain(risky.files[0].sha256);
    expect(shown).toMatch(/Clean \(engine and signature database: [^)]*\d/);
    expect(shown).toContain('⚠ Fail');
    expect(shown).toContain('Ready for review (turn 1)');
    // The hostile name is text, never markup.
    expect(page.body).not.toContain('<img src=x onerror');
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;.csv');
  });

  it('refuses a vote form without the CSRF token with 403', async () => {
    const session = await signedInSession(CHRIS);
    const refused = await session.post(`/web/reviews/${risky.requestId}/files/${fileId('admissions_totals.csv')}/vote`, { decision: 'approve' });
    expect(refused.status).toBe(403);
    const view = await airlock.client.as(await airlock.token('chris', ['output_checker'])).getReview(risky.requestId);
    expect(view.files.every((f) => f.votes?.length === 0)).toBe(true);
  });

  it('answers 404 to a checker who is a project member and to a checker of another project', async () => {
    for (const person of [MALLORY, OLIVE]) {
      const session = await signedInSession(person);
      expect((await session.get(`/web/reviews/${risky.requestId}`)).status).toBe(404);
      expect((await session.get(`/web/reviews/${risky.requestId}/files/${fileId('admissions_by_ward.csv')}`)).status).toBe(404);
      expect((await session.get(`/web/reviews/${risky.requestId}/files/${fileId('admissions_by_ward.csv')}/content`)).status).toBe(404);
    }
  });

  it('serves the frozen bytes only as a sandboxed attachment', async () => {
    const session = await signedInSession(CHRIS);
    const response = await session.get(`/web/reviews/${risky.requestId}/files/${fileId(HOSTILE_NAME)}/content`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('content-security-policy')).toMatch(/^sandbox;/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.body).toBe(HOSTILE_TABLE);
  });

  it('shows a workbook sheet by sheet, marking a flagged cell only on its own sheet', async () => {
    const workbook = await submitted('Admissions workbook', { 'admissions.xlsx': WORKBOOK });
    const id = workbook.files[0].fileId;
    const base = `/web/reviews/${workbook.requestId}/files/${id}`;
    const session = await signedInSession(CHRIS);

    const first = await session.get(base);
    expect(first.status).toBe(200);
    expect(first.body).toContain('<a class="govuk-link" href="?sheet=0" aria-current="page">Totals</a>');
    expect(first.body).toContain('Wards &lt;b&gt;2024&lt;/b&gt;');
    expect(first.body).not.toContain('<b>2024</b>');
    expect(first.body).not.toContain('app-flag--fail');
    expect(textOf(first)).toMatch(/\d+ more findings? on other sheets/);
    expect(first.body).toContain(`data-grid-src="${base}/grid.json?sheet=0"`);

    const second = await session.get(`${base}?sheet=1`);
    expect(second.status).toBe(200);
    expect(second.body).toContain('<a class="govuk-link" href="?sheet=1" aria-current="page">Wards &lt;b&gt;2024&lt;/b&gt;</a>');
    expect(second.body).toMatch(/<td class="govuk-table__cell app-flag--fail" id="preview-cell-1-1">.*?3<\/td>/);

    const grid = (sheet: number) =>
      session.get(`${base}/grid.json?sheet=${sheet}`).then((r) => JSON.parse(r.body) as { rows: string[][]; marks: [number, number, number[]][] });
    expect((await grid(0)).marks).toEqual([]);
    const wards = await grid(1);
    expect(wards.rows[1]).toEqual(['A', '3']);
    expect(wards.marks.map(([row, column]) => [row, column])).toContainEqual([1, 1]);

    expect((await session.get(`${base}?sheet=2`)).status).toBe(404);
    expect((await session.get(`${base}?sheet=x`)).status).toBe(400);
    expect((await session.get(`${base}/grid.json?sheet=-1`)).status).toBe(400);
    const raw = await session.get(`${base}/content`);
    expect(raw.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(raw.headers.get('content-security-policy')).toMatch(/^sandbox;/);
  });

  it('puts the pages’ file views and their refusals in the audit log', async () => {
    const auditor = airlock.client.as(await airlock.token('sam', ['auditor']));
    await expectEventually(
      async () => {
        const { items } = await auditor.auditRecords({ requestId: risky.requestId });
        const seen = items.map((r) => `${r.envelope.type} ${(r.envelope as { actor?: { userId?: string } }).actor?.userId}`);
        expect(seen).toEqual(
          expect.arrayContaining(['airlock.access.file-viewed.v1 chris', 'airlock.access.denied.v1 mallory', 'airlock.access.denied.v1 olive']),
        );
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });

  it('needs an override justification to approve a failed file, then two checkers decide and the votes are unblinded', async () => {
    const vote = async (session: WebSession, name: string, form: Record<string, string>) => {
      const page = await session.get(`/web/reviews/${risky.requestId}`);
      return session.post(`/web/reviews/${risky.requestId}/files/${fileId(name)}/vote`, { _csrf: csrf(page), etag: etagOf(page), ...form });
    };
    const chris = await signedInSession(CHRIS);
    const refused = await vote(chris, 'admissions_by_ward.csv', { decision: 'approve' });
    expect(refused.status).toBe(422);
    expect(textOf(refused)).toContain('explain why the findings do not make it disclosive');
    const accepted = await vote(chris, 'admissions_by_ward.csv', {
      decision: 'approve',
      overrideJustification: 'The 3 is a count of wards, not of people',
      comment: 'Checked against the extract',
      visibility: 'private',
    });
    expect(accepted.status).toBe(200);
    expect(textOf(accepted)).toContain('Your vote was recorded');
    for (const name of ['admissions_totals.csv', HOSTILE_NAME]) expect((await vote(chris, name, { decision: 'approve' })).status).toBe(200);
    const dana = await signedInSession(DANA);
    const seen = textOf(await dana.get(`/web/reviews/${risky.requestId}`));
    // Blinded: Dana sees neither Chris's vote nor his private comment.
    expect(seen).not.toContain('Checked against the extract');
    expect(seen).not.toMatch(/chris: approve/);
    expect((await vote(dana, 'admissions_by_ward.csv', { decision: 'request_changes', comment: 'Suppress the 3', visibility: 'public' })).status).toBe(200);
    for (const name of ['admissions_totals.csv', HOSTILE_NAME]) expect((await vote(dana, name, { decision: 'approve' })).status).toBe(200);
    await untilStatus(risky.requestId, ['changes_requested']);
    const decided = textOf(await chris.get(`/web/reviews/${risky.requestId}`));
    expect(decided).toContain('Status: Returned to the researcher');
    expect(decided).toContain('dana: request changes');
    expect(decided).toContain('Conflict');
    expect(decided).toContain('Changes requested in turn 1');
    expect(textOf(await chris.get('/web/reviews?tab=returned'))).toContain('Admissions by ward');
  });

  it('shows a resubmitted table cell by cell against the last turn, then the release record after approval', async () => {
    await researcher.removeFile(risky.requestId, fileId('admissions_by_ward.csv'));
    const { file: fixed } = await researcher.upload(risky.requestId, 'admissions_by_ward.csv', FIXED_TABLE);
    await researcher.submit(risky.requestId);
    await untilStatus(risky.requestId, ['awaiting_review']);
    const chris = await signedInSession(CHRIS);
    const request = textOf(await chris.get(`/web/reviews/${risky.requestId}`));
    expect(request).toContain('Turn 2 is a resubmission');
    expect(request).toContain('Changed since the last turn');
    expect(request).toContain('Unchanged since the last turn');
    const filePage = textOf(await chris.get(`/web/reviews/${risky.requestId}/files/${fixed.fileId}`));
    expect(filePage).toContain('What changed since turn 1');
    expect(filePage).toMatch(/1 cell changed, matched by row and column labels/);
    expect(filePage).toMatch(/row 2 \(A\), column 3 \(y2024\) ≠ changed 3 10/);
    // Before the release there is no release record to show.
    expect((await chris.get(`/web/reviews/${risky.requestId}/release`)).status).toBe(404);
    const dana = await signedInSession(DANA);
    for (const session of [chris, dana]) {
      const page = await session.get(`/web/reviews/${risky.requestId}`);
      expect(
        (await session.post(`/web/reviews/${risky.requestId}/files/${fixed.fileId}/vote`, { _csrf: csrf(page), etag: etagOf(page), decision: 'approve' }))
          .status,
      ).toBe(200);
    }
    await untilStatus(risky.requestId, ['released']);
    expect(textOf(await chris.get(`/web/reviews/${risky.requestId}`))).toContain('View the release record');
    // The release record as a page: the released files with their hashes, who approved, the downloads.
    const releasePage = await chris.get(`/web/reviews/${risky.requestId}/release`);
    expect(releasePage.status).toBe(200);
    const record = textOf(releasePage);
    expect(record).toContain('Release record');
    expect(record).toMatch(/Approved by\s*(chris, dana|dana, chris)/);
    const released = await researcher.getRequest(risky.requestId);
    for (const f of released.files.filter((file) => file.released)) expect(record).toContain(f.sha256);
    expect(releasePage.body).toContain(`/web/reviews/${risky.requestId}/release-record?format=ro-crate`);
    // A checker of another project, a checker who is a member of this one, and the author get 404.
    for (const person of [OLIVE, MALLORY, { userId: 'alice', roles: ['researcher', 'output_checker'] }])
      expect([person.userId, (await (await signedInSession(person)).get(`/web/reviews/${risky.requestId}/release`)).status]).toEqual([person.userId, 404]);
    const crate = await chris.get(`/web/reviews/${risky.requestId}/release-record?format=ro-crate`);
    expect(crate.status).toBe(200);
    expect(crate.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(JSON.parse(crate.body)).toHaveProperty('@context');
  });
});

const browserTest = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) console.warn(`Browser tests skipped: ${CHROMIUM} is absent (apt-get install -y chromium).`);

browserTest('checker pages in Chromium', () => {
  // Loaded here so a machine without the packages still runs the HTTP tests.
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const { default: AxeBuilder } = require('@axe-core/playwright') as typeof import('@axe-core/playwright');
  type Browser = import('playwright-core').Browser;
  type Page = import('playwright-core').Page;
  let browser: Browser;
  let request: RequestView;
  const dialogs: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    request = await submitted(
      'Admissions by ward, for the browser',
      { 'admissions_by_ward.csv': RISKY_TABLE, 'admissions_totals.csv': SAFE_TABLE, [HOSTILE_NAME]: HOSTILE_TABLE },
      HOSTILE_GROUP_TEXT,
    );
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function signedIn(person: SignInAs): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    airlock.idp.signIn(person);
    await page.goto(`${egress}/web/reviews`);
    await page.waitForURL(/\/web\/reviews$/);
    return page;
  }

  async function expectNoViolations(page: Page) {
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toStrictEqual([]);
  }

  it('shows the queue and the request page with no WCAG 2.2 AA violations', async () => {
    const page = await signedIn(CHRIS);
    const link = page.locator(`a[href$="/web/reviews/${request.requestId}"]`);
    await link.waitFor();
    await expectNoViolations(page);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'checker-queue.png'), fullPage: true });
    await link.click();
    await page.waitForSelector('#status');
    await expectNoViolations(page);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'checker-request.png'), fullPage: true });
    expect(dialogs).toStrictEqual([]);
    await page.context().close();
  });

  it('lets a checker vote and comment with the keyboard alone, and keeps script in context, controls and comments inert', async () => {
    const page = await signedIn(DANA);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${egress}/web/reviews/${request.requestId}`);
    expect(await page.locator('.app-group').first().textContent()).toContain("<script>alert('context')</script>");
    const id = request.files.find((f) => f.name === 'admissions_totals.csv')?.fileId;
    // Arrow keys choose within a radio group; Tab moves on to the comment, the visibility and the button.
    await page.locator(`#decision-${id}-approve`).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.locator(`#decision-${id}-request_changes`).isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.type('<script>alert("comment")</script> please round to 5');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.govuk-notification-banner--success');
    expect(await page.locator('.govuk-notification-banner--success').textContent()).toContain('Your vote was recorded');
    expect(await page.locator(`#file-${id}`).textContent()).toContain('<script>alert("comment")</script> please round to 5');
    await expectNoViolations(page);
    expect(dialogs).toStrictEqual([]);
    expect(requests.filter((url) => !url.startsWith(egress))).toStrictEqual([]);
    await page.context().close();
  });

  it('lets a checker jump between flagged cells with the keyboard and read the finding', async () => {
    const page = await signedIn(CHRIS);
    const id = request.files.find((f) => f.name === 'admissions_by_ward.csv')?.fileId;
    await page.goto(`${egress}/web/reviews/${request.requestId}/files/${id}`);
    await page.waitForSelector('[data-table-viewer][data-ready="true"]');
    await expectNoViolations(page);
    // Into the grid with the keyboard alone, then N to the next flagged cell.
    await page.locator('.app-grid [role="gridcell"][tabindex="0"]').focus();
    await page.keyboard.press('n');
    const focused = page.locator('.app-grid [role="gridcell"]:focus');
    expect(await focused.textContent()).toMatch(/Flagged \(threshold[^)]*\): 3$/);
    const details = await page.locator('.app-grid-details').textContent();
    expect(details).toContain('threshold');
    expect(details).toMatch(/policy: threshold 10/);
    expect(details).toContain('Column statistics: y2024');
    expect(await focused.getAttribute('title')).toMatch(/^⚠ threshold: .*\(policy: threshold 10/);
    // P goes back (the only flagged cell wraps onto itself) and focus stays in the grid.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('p');
    expect(await page.locator('.app-grid [role="gridcell"]:focus').textContent()).toMatch(/Flagged \(threshold[^)]*\): 3$/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'checker-file-table.png'), fullPage: true });
    await page.context().close();
  });

  it('shows a workbook sheet chosen from its links in the grid, with its own flagged cell', async () => {
    const workbook = await submitted('Admissions workbook, for the browser', { 'admissions.xlsx': WORKBOOK });
    const dialogsBefore = dialogs.length;
    const page = await signedIn(CHRIS);
    await page.goto(`${egress}/web/reviews/${workbook.requestId}/files/${workbook.files[0].fileId}`);
    await page.waitForSelector('[data-table-viewer][data-ready="true"]');
    await expectNoViolations(page);
    expect(await page.locator('.app-sheets a[aria-current="page"]').textContent()).toBe('Totals');
    expect(await page.locator('.app-grid .app-grid__cell--fail, .app-grid .app-grid__cell--review').count()).toBe(0);
    // To the second sheet with the keyboard alone.
    await page.locator('.app-sheets a[href="?sheet=1"]').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?sheet=1$/);
    await page.waitForSelector('[data-table-viewer][data-ready="true"]');
    await expectNoViolations(page);
    expect(await page.locator('.app-sheets a[aria-current="page"]').textContent()).toBe('Wards <b>2024</b>');
    await page.locator('.app-grid [role="gridcell"][tabindex="0"]').focus();
    await page.keyboard.press('n');
    expect(await page.locator('.app-grid [role="gridcell"]:focus').textContent()).toMatch(/Flagged \(threshold[^)]*\): 3$/);
    expect(dialogs.slice(dialogsBefore)).toEqual([]);
    await page.context().close();
  });

  it('keeps script in file names and cells inert', async () => {
    const page = await signedIn(CHRIS);
    const id = request.files.find((f) => f.name === HOSTILE_NAME)?.fileId;
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${egress}/web/reviews/${request.requestId}/files/${id}`);
    await page.waitForSelector('[data-table-viewer][data-ready="true"]');
    await page.waitForTimeout(300);
    expect(dialogs).toStrictEqual([]);
    expect(requests.filter((url) => !url.startsWith(egress))).toStrictEqual([]);
    expect(requests.some((url) => url.endsWith('/x'))).toBe(false);
    expect(await page.locator('.app-grid').textContent()).toContain('<script>alert(1)</script>');
    await page.context().close();
  });

  it('renders a 1,000,000-cell table with a bounded number of cells in the DOM', async () => {
    const page = await signedIn(CHRIS);
    const id = request.files.find((f) => f.name === 'admissions_totals.csv')?.fileId;
    // The grid's data for this one test is a generated 1,000,000-cell table (100,000 rows of 10),
    // with a finding every 1,000 rows; the page, the script and the service are the real ones.
    const columns = 10;
    const rows: string[][] = [Array.from({ length: columns }, (_, c) => `col${c}`)];
    for (let r = 1; r < 100_000; r++) rows.push(Array.from({ length: columns }, (_, c) => String((r * 7 + c * 13) % 997)));
    const marks = [];
    for (let r = 1000; r < 100_000; r += 1000) marks.push([r, 3, [0]]);
    const payload = {
      rows,
      header: 0,
      columns,
      marks,
      findings: [
        {
          index: 0,
          rule: 'threshold',
          verdict: 'fail',
          message: 'cells under 10',
          parameters: { threshold: '10' },
          cellCount: marks.length,
          located: marks.length,
        },
      ],
      stats: Array.from({ length: columns }, (_, column) => ({ column, count: 0, sum: 0, minNonZero: null, divisibleBy5: 0, divisibleBy10: 0 })),
      truncated: false,
    };
    const body = JSON.stringify(payload);
    await page.route('**/grid.json', (route) => route.fulfill({ status: 200, contentType: 'application/json', body }));
    await page.goto(`${egress}/web/reviews/${request.requestId}/files/${id}`);
    await page.waitForSelector('[data-table-viewer][data-ready="true"]', { timeout: 60_000 });
    const cells = await page.locator('.app-grid [role="gridcell"]').count();
    expect(cells).toBeGreaterThan(0);
    expect(cells).toBeLessThan(2_000);
    // Jumping to a finding far down the table still leaves a bounded DOM and focuses the cell.
    await page.locator('.app-grid [role="gridcell"][tabindex="0"]').focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('n');
    expect(await page.locator('.app-grid [role="gridcell"]:focus').getAttribute('id')).toBe('grid-cell-5000-3');
    expect(await page.locator('.app-grid [role="gridcell"]').count()).toBeLessThan(2_000);
    expect(await page.locator('.app-grid-status, [role="status"]').first().textContent()).toContain('99,999 of 99,999 rows');
    await page.locator('#grid').screenshot({ path: path.join(SCREENSHOTS, 'checker-file-million-cells.png') });
    await page.context().close();
  });
});
