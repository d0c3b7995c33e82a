import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expectEventually, uniqueId, type AirlockClient, type RequestView } from '@airlock/testing';
import { newProject, startAirlock, type AirlockUnderTest } from './airlock-stack';

// One continuous journey through the pages, in Debian's Chromium (never a downloaded build): a
// researcher signs in, creates a request, uploads a disclosive and a safe table, sees the findings
// on the cells and submits; two checkers, each in a browser context of their own, reach the flagged
// cell with the keyboard, one asks for changes in a public comment; the researcher reads it and
// resubmits; the checkers see the cell diff and approve (a `fail` only with an override
// justification); the release is downloaded once through a single-use link; a checker who is a
// member of the project is refused. Every user action goes through the pages; JSON is used only to
// set the project up (an administrator's step) and to assert outcomes. axe checks WCAG 2.2 AA on
// every page visited (docs/adr/0011-web-pages.md, docs/adr/0013-review-workbench.md).
jest.setTimeout(900_000);

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(__dirname, '..', 'docs', 'screenshots');
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
// Disclosive: 3 admissions in a ward-year is under the threshold of 10.
const RISKY_TABLE = 'ward,y2023,y2024,y2025\nA,40,3,35\nB,45,50,52\nC,38,41,44\n';
const FIXED_TABLE = 'ward,y2023,y2024,y2025\nA,40,10,35\nB,45,50,52\nC,38,41,44\n';
const SAFE_TABLE = 'ward,admissions_2024,admissions_2025\nA,120,134\nB,98,101\nC,57,66\n';
const RISKY = 'small-counts.csv';
const SAFE = 'admissions.csv';
const PUBLIC_COMMENT = 'Suppress the 3 in ward A, 2024 <img src=x onerror=alert(1)>';
const OVERRIDE = 'The 3 is a count of wards, not of people';
const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SKIPPED: the browser journey needs Debian's Chromium at ${CHROMIUM} (apt-get install chromium); none is downloaded.`);
const describeWithChromium = haveChromium ? describe : describe.skip;

type Person = { userId: string; roles: string[] };

describeWithChromium('one journey from upload to download, in Chromium', () => {
  let airlock: AirlockUnderTest;
  let browser: Browser;
  let ingress: string;
  let egress: string;
  let project: string;
  let researcherApi: AirlockClient;
  let requestId: string;
  const alice: Person = { userId: uniqueId('alice'), roles: ['researcher'] };
  const chris: Person = { userId: uniqueId('chris'), roles: ['output_checker'] };
  const dana: Person = { userId: uniqueId('dana'), roles: ['output_checker'] };
  // A checker who is also a member of this project: never an independent reviewer of it.
  const mallory: Person = { userId: uniqueId('mallory'), roles: ['output_checker', 'researcher'] };
  const problems: string[] = [];
  const dialogs: string[] = [];
  let researcher: Page;
  let chrisPage: Page;
  let danaPage: Page;

  /** Zero WCAG 2.2 AA violations on the page as it is now, and a screenshot of it when named. */
  async function accessible(page: Page, screenshot?: string): Promise<void> {
    if (screenshot) await page.screenshot({ path: path.join(SCREENSHOTS, `journey-${screenshot}.png`), fullPage: true });
    const results = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze();
    const violations = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect({ url: page.url(), violations }).toEqual({ url: page.url(), violations: [] });
  }

  /** A browser context of its own, signed in through the provider's code flow as `person`. */
  async function signedIn(person: Person, start: string): Promise<Page> {
    const context: BrowserContext = await browser.newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    // A CSP refusal (an inline script or style) shows as a console error; pages answering 4xx on purpose log "Failed to load resource".
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded')) problems.push(`${person.userId}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${person.userId}: ${e.message}`));
    page.on('response', (r) => {
      if (r.url().includes('/web/assets/') && r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    // Nothing but the two services and the provider's authorization endpoint (the sign-in's one hop away).
    const authorize = `${new URL(airlock.idp.discoveryUrl).origin}/authorize?`;
    page.on('request', (r) => {
      const url = r.url();
      if (![ingress, egress, authorize, 'data:'].some((allowed) => url.startsWith(allowed))) problems.push(`request elsewhere: ${url}`);
    });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    airlock.idp.signIn(person);
    await page.goto(start);
    await page.waitForURL(start);
    return page;
  }

  /** Focus an element and press a key: the journey's actions are done from the keyboard. */
  async function press(page: Page, selector: string, key = 'Enter'): Promise<void> {
    await page.locator(selector).focus();
    await page.keyboard.press(key);
  }

  /** Focus a form's button and press Enter, waiting for the page the form leads to. */
  async function submitForm(page: Page, selector: string): Promise<void> {
    await page.locator(selector).focus();
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  }

  /** Upload with the keyboard: the script sends each file, then loads the request page afresh. */
  async function upload(page: Page): Promise<void> {
    await page.locator('#upload').focus();
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
  }

  async function untilStatus(statuses: string[]): Promise<RequestView> {
    return expectEventually(
      async () => {
        const view = await researcherApi.getRequest(requestId);
        if (!statuses.includes(view.status)) throw new Error(`request is ${view.status}, waiting for ${statuses.join('|')}`);
        return view;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
  }

  const fileIdOf = (view: RequestView, name: string) => view.files.find((f) => f.name === name)?.fileId ?? '';

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    airlock = await startAirlock(4460, { env: { AIRLOCK_WEB_SESSION_SECRET: 'e2e-journey-secret-of-at-least-32-characters' }, readyWithinMs: 240_000 });
    ingress = airlock.services.ingress.url;
    egress = airlock.services['egress-review'].url;
    // The administrator's set-up, through the JSON API: the project, its members and its checkers.
    const admin = airlock.client.as(await airlock.token('root', ['administrator']));
    project = newProject();
    await admin.setUpProject(project, { researchers: [alice.userId, mallory.userId], checkers: [chris.userId, dana.userId] });
    await admin.setUpProject(newProject(), { researchers: [], checkers: [mallory.userId] });
    researcherApi = airlock.client.as(await airlock.token(alice.userId, alice.roles));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await airlock?.stop();
  });

  it('the researcher signs in, creates a request, describes a group and uploads two tables, all from the keyboard', async () => {
    researcher = await signedIn(alice, `${ingress}/web/`);
    await expect(researcher.locator('h1').textContent()).resolves.toBe('My requests');
    await accessible(researcher);
    await press(researcher, 'button:has-text("Start a new request"), a:has-text("Start a new request")');
    await researcher.waitForURL('**/web/requests/new');
    await accessible(researcher);
    await researcher.getByLabel('Title').focus();
    await researcher.keyboard.type('Admissions by ward, the whole journey');
    await Promise.all([researcher.waitForURL(/\/web\/requests\/[0-9a-f-]{36}$/), researcher.keyboard.press('Enter')]);
    requestId = /\/web\/requests\/([0-9a-f-]{36})$/.exec(researcher.url())?.[1] ?? '';
    await accessible(researcher);

    await press(researcher, '#add-group');
    await researcher.waitForURL(/\/groups\/new$/);
    await accessible(researcher, '01-group-form');
    // The prompts for what checkers need, tied to the Context box as its hint.
    for (const prompt of ['population', 'counts', 'earlier']) await expect(researcher.locator(`#context-hint #prompt-${prompt}`).count()).resolves.toBe(1);
    await expect(researcher.locator('#context').getAttribute('aria-describedby')).resolves.toContain('context-hint');
    await researcher.getByLabel('Group name').focus();
    await researcher.keyboard.type('tables');
    await researcher.locator('#context').focus();
    await researcher.keyboard.type('Hospital admissions by ward, adults, 2023 to 2025, counted from the HES extract.');
    await researcher.locator('#controls').focus();
    await researcher.keyboard.type('Counts below 10 suppressed');
    await submitForm(researcher, '#save-group');
    expect(researcher.url()).toMatch(/#groups$/);

    // Choosing files is the operating system's dialog; the rest is the keyboard.
    await researcher.getByLabel('Files').setInputFiles([
      { name: SAFE, mimeType: 'text/csv', buffer: Buffer.from(SAFE_TABLE) },
      { name: RISKY, mimeType: 'text/csv', buffer: Buffer.from(RISKY_TABLE) },
    ]);
    // With JavaScript the form sends each file on its own, with a progress bar each (upload-progress.mjs).
    const posts: string[] = [];
    const countPost = (r: import('playwright-core').Request) => {
      if (r.method() === 'POST' && r.url().endsWith(`/web/requests/${requestId}/files`)) posts.push(r.url());
    };
    researcher.on('request', countPost);
    await upload(researcher);
    researcher.off('request', countPost);
    expect(posts).toHaveLength(2);
    expect(researcher.url()).toMatch(/#files$/);
    await expect(researcher.locator('.airlock-file-name').allTextContents()).resolves.toEqual([SAFE, RISKY]);
    await accessible(researcher, '02-uploaded');
    const draft = await researcherApi.getRequest(requestId);
    expect(draft.status).toBe('draft');
    expect(draft.files.map((f) => [f.name, f.sha256])).toEqual([
      [SAFE, sha256(SAFE_TABLE)],
      [RISKY, sha256(RISKY_TABLE)],
    ]);
  });

  it('before submitting, the researcher sees the findings on the cells of the disclosive table, and none on the safe one', async () => {
    const draft = await researcherApi.getRequest(requestId);
    for (const [name, flagged] of [
      [RISKY, true],
      [SAFE, false],
    ] as const) {
      await Promise.all([researcher.waitForNavigation(), press(researcher, `#file-link-${fileIdOf(draft, name)}`)]);
      await researcher.waitForSelector('[data-table-viewer][data-ready="true"]');
      await expect(researcher.locator('main').textContent()).resolves.toContain('A preview: these are the findings');
      await expect(researcher.locator('#file-verdict').textContent()).resolves.toContain(flagged ? 'Disclosure risk found' : 'No disclosure risk found');
      await accessible(researcher, flagged ? '03-preview-findings' : undefined);
      await researcher.locator('.app-grid [role="gridcell"][tabindex="0"]').focus();
      await researcher.keyboard.press('n');
      if (flagged) {
        // The cell the checkers will reach with N (below), flagged with the rule, icon and pattern.
        await expect(researcher.locator('.app-grid [role="gridcell"]:focus').getAttribute('id')).resolves.toBe('grid-cell-1-2');
        await expect(researcher.locator('.app-grid [role="gridcell"]:focus').textContent()).resolves.toMatch(/Flagged \(threshold[^)]*\): 3$/);
        await expect(researcher.locator('.app-finding').textContent()).resolves.toMatch(/threshold/);
      } else {
        await expect(researcher.locator('.app-finding').count()).resolves.toBe(0);
      }
      await Promise.all([researcher.waitForNavigation(), press(researcher, '.govuk-back-link')]);
    }
    // A preview records nothing: the request is still a draft with no check.
    const after = await researcherApi.getRequest(requestId);
    expect(after.status).toBe('draft');
    expect(after.files.every((f) => f.check === undefined)).toBe(true);
  });

  it('the researcher submits and sees the automated findings on the cells, as the checkers will', async () => {
    await submitForm(researcher, '#submit-request');
    await untilStatus(['awaiting_review']);
    await researcher.reload();
    await expect(researcher.locator('#status').textContent()).resolves.toContain('Waiting for output checkers');
    await expect(researcher.getByText('Disclosure risk found', { exact: true }).count()).resolves.toBe(1);
    await expect(researcher.locator('.airlock-findings').textContent()).resolves.toContain('threshold');
    await accessible(researcher, '04-submitted');
    // The recorded findings on the cells, with an exception request per finding, from the keyboard.
    const view = await researcherApi.getRequest(requestId);
    const risky = fileIdOf(view, RISKY);
    await Promise.all([researcher.waitForNavigation(), press(researcher, `#file-link-${risky}`)]);
    await researcher.waitForSelector('[data-table-viewer][data-ready="true"]');
    await expect(researcher.locator('main').textContent()).resolves.not.toContain('A preview');
    await press(researcher, '.app-finding summary');
    await researcher.locator('#finding-justification-0').focus();
    await researcher.keyboard.type('Ward A had 3 admissions of the same patient; the count is of stays');
    await accessible(researcher, '05-file-findings');
    await submitForm(researcher, '.app-finding button[type="submit"]');
    const asked = await researcherApi.getRequest(requestId);
    expect(asked.files.find((f) => f.fileId === risky)?.exceptions).toEqual([
      expect.objectContaining({ rule: 'threshold', justification: 'Ward A had 3 admissions of the same patient; the count is of stays' }),
    ]);
  });

  it('two checkers reach the flagged cell with N and P in their own sessions', async () => {
    chrisPage = await signedIn(chris, `${egress}/web/reviews`);
    danaPage = await signedIn(dana, `${egress}/web/reviews`);
    const view = await researcherApi.getRequest(requestId);
    for (const page of [chrisPage, danaPage]) {
      const link = page.locator(`a[href$="/web/reviews/${requestId}"]`);
      await link.waitFor();
      await accessible(page);
      await Promise.all([page.waitForURL(`**/web/reviews/${requestId}`), press(page, `a[href$="/web/reviews/${requestId}"]`)]);
      await accessible(page);
      await Promise.all([page.waitForURL(`**/files/${fileIdOf(view, RISKY)}`), press(page, `a[href$="/files/${fileIdOf(view, RISKY)}"]`)]);
      await page.waitForSelector('[data-table-viewer][data-ready="true"]');
      await accessible(page);
      await page.locator('.app-grid [role="gridcell"][tabindex="0"]').focus();
      await page.keyboard.press('n');
      await expect(page.locator('.app-grid [role="gridcell"]:focus').textContent()).resolves.toMatch(/Flagged \(threshold[^)]*\): 3$/);
      await expect(page.locator('.app-grid [role="gridcell"]:focus').getAttribute('id')).resolves.toBe('grid-cell-1-2');
      await accessible(page, page === chrisPage ? '06-checker-flagged-cell' : undefined);
      // A full-page screenshot resizes the viewport, and the virtualised grid redraws: back onto the cell.
      await page.locator('#grid-cell-1-2').focus();
      await page.keyboard.press('ArrowRight');
      await expect(page.locator('.app-grid [role="gridcell"]:focus').getAttribute('id')).resolves.toBe('grid-cell-1-3');
      await page.keyboard.press('p');
      await expect(page.locator('.app-grid [role="gridcell"]:focus').getAttribute('id')).resolves.toBe('grid-cell-1-2');
    }
  });

  it('an approval of a failed file without an override justification is refused; with one it counts; the other checker asks for changes in public', async () => {
    const view = await researcherApi.getRequest(requestId);
    const risky = fileIdOf(view, RISKY);
    const safe = fileIdOf(view, SAFE);
    await chrisPage.goto(`${egress}/web/reviews/${requestId}`);
    await press(chrisPage, `#decision-${risky}-approve`, 'Space');
    await submitForm(chrisPage, `#file-${risky} button[type="submit"]`);
    await expect(chrisPage.locator('.govuk-error-summary').textContent()).resolves.toContain('explain why the findings do not make it disclosive');
    await accessible(chrisPage, '07-override-refused');
    expect((await researcherApi.getRequest(requestId)).files.find((f) => f.fileId === risky)?.approvals).toBe(0);
    await chrisPage.locator(`#override-${risky}`).focus();
    await chrisPage.keyboard.type(OVERRIDE);
    if (!(await chrisPage.locator(`#decision-${risky}-approve`).isChecked())) await press(chrisPage, `#decision-${risky}-approve`, 'Space');
    await submitForm(chrisPage, `#file-${risky} button[type="submit"]`);
    await chrisPage.waitForSelector('.govuk-notification-banner--success');
    await press(chrisPage, `#decision-${safe}-approve`, 'Space');
    await submitForm(chrisPage, `#file-${safe} button[type="submit"]`);
    await chrisPage.waitForSelector('.govuk-notification-banner--success');
    await accessible(chrisPage);

    await danaPage.goto(`${egress}/web/reviews/${requestId}`);
    // Arrow keys choose within a radio group.
    await danaPage.locator(`#decision-${risky}-approve`).focus();
    await danaPage.keyboard.press('ArrowRight');
    expect(await danaPage.locator(`#decision-${risky}-request_changes`).isChecked()).toBe(true);
    await danaPage.locator(`#comment-${risky}`).focus();
    await danaPage.keyboard.type(PUBLIC_COMMENT);
    await danaPage.locator(`#visibility-${risky}-private`).focus();
    await danaPage.keyboard.press('ArrowRight');
    expect(await danaPage.locator(`#visibility-${risky}-public`).isChecked()).toBe(true);
    await submitForm(danaPage, `#file-${risky} button[type="submit"]`);
    await danaPage.waitForSelector('.govuk-notification-banner--success');
    await press(danaPage, `#decision-${safe}-approve`, 'Space');
    await submitForm(danaPage, `#file-${safe} button[type="submit"]`);
    await danaPage.waitForSelector('.govuk-notification-banner--success');
    await accessible(danaPage);

    const decided = await untilStatus(['changes_requested']);
    const votes = decided.files.find((f) => f.fileId === risky);
    expect(votes?.feedback).toEqual([{ text: PUBLIC_COMMENT, turn: 1 }]);
  });

  it('the researcher reads the public comment, replaces the table and resubmits', async () => {
    await researcher.goto(`${ingress}/web/requests/${requestId}`);
    await expect(researcher.locator('#status').textContent()).resolves.toContain('Changes requested');
    await expect(researcher.locator('.airlock-feedback').allTextContents()).resolves.toEqual([`Checker (turn 1): ${PUBLIC_COMMENT}`]);
    await expect(researcher.locator('img[src="x"]').count()).resolves.toBe(0);
    await accessible(researcher, '08-changes-requested');
    await researcher.getByRole('button', { name: `Remove ${RISKY}` }).focus();
    await Promise.all([researcher.waitForNavigation(), researcher.keyboard.press('Enter')]);
    await expect(researcher.locator('.airlock-file-name').allTextContents()).resolves.toEqual([SAFE]);
    await researcher.getByLabel('Files').setInputFiles([{ name: RISKY, mimeType: 'text/csv', buffer: Buffer.from(FIXED_TABLE) }]);
    await upload(researcher);
    await submitForm(researcher, '#submit-request');
    const turn2 = await untilStatus(['awaiting_review']);
    expect(turn2.turn).toBe(2);
    expect(turn2.files.find((f) => f.name === RISKY)?.sha256).toBe(sha256(FIXED_TABLE));
  });

  it('the checkers see the changed cell against turn 1 and approve; the request is released', async () => {
    const view = await researcherApi.getRequest(requestId);
    const fixed = fileIdOf(view, RISKY);
    for (const page of [chrisPage, danaPage]) {
      await page.goto(`${egress}/web/reviews/${requestId}`);
      await expect(page.locator('main').textContent()).resolves.toContain('Turn 2 is a resubmission');
      await accessible(page);
      await Promise.all([page.waitForURL(`**/files/${fixed}`), press(page, `a[href$="/files/${fixed}"]`)]);
      await page.waitForSelector('[data-table-viewer][data-ready="true"]');
      const shown = (await page.locator('main').textContent()) ?? '';
      expect(shown).toContain('What changed since turn 1');
      expect(shown).toMatch(/1 cell changed, matched by row and column labels/);
      await accessible(page, page === chrisPage ? '09-checker-diff' : undefined);
      await page.goto(`${egress}/web/reviews/${requestId}`);
      await press(page, `#decision-${fixed}-approve`, 'Space');
      await submitForm(page, `#file-${fixed} button[type="submit"]`);
      await page.waitForSelector('.govuk-notification-banner--success');
    }
    const released = await untilStatus(['released']);
    expect(released.files.filter((f) => f.released).map((f) => f.name)).toEqual([SAFE, RISKY]);
    // The release record as a page, reached from the request page by keyboard.
    await chrisPage.goto(`${egress}/web/reviews/${requestId}`);
    await Promise.all([chrisPage.waitForURL(`**/reviews/${requestId}/release`), press(chrisPage, '#release-record-link')]);
    const record = (await chrisPage.locator('main').textContent()) ?? '';
    for (const f of released.files.filter((file) => file.released)) expect(record).toContain(f.sha256);
    expect(record).toContain('although threshold failed');
    await accessible(chrisPage, '11-release-record');
  });

  it('the researcher downloads the released file through a single-use link from the page; a second use is refused', async () => {
    const view = await researcherApi.getRequest(requestId);
    const fixed = view.files.find((f) => f.name === RISKY);
    await researcher.goto(`${ingress}/web/requests/${requestId}`);
    await expect(researcher.locator('#status').textContent()).resolves.toContain('Released');
    await accessible(researcher);
    await submitForm(researcher, `#download-link-${fixed?.fileId}`);
    await accessible(researcher, '10-download-link');
    const href = (await researcher.locator('#download-link').getAttribute('href')) ?? '';
    expect(href).toMatch(/^\/downloads\/[0-9a-f-]{36}\.[0-9a-f-]{36}$/);
    const [download] = await Promise.all([researcher.waitForEvent('download'), press(researcher, '#download-link')]);
    expect(download.suggestedFilename()).toBe(RISKY);
    const bytes = readFileSync((await download.path()) ?? '');
    expect(sha256(bytes)).toBe(fixed?.sha256);
    expect(sha256(bytes)).toBe(sha256(FIXED_TABLE));
    const again = await researcher.context().request.get(`${ingress}${href}`);
    expect(again.status()).toBe(410);
    expect((await again.json()) as { code: string }).toMatchObject({ code: 'LINK_USED' });
  });

  it('a checker who is a member of the project is refused with 404', async () => {
    const page = await signedIn(mallory, `${egress}/web/reviews`);
    const view = await researcherApi.getRequest(requestId);
    for (const url of [`${egress}/web/reviews/${requestId}`, `${egress}/web/reviews/${requestId}/files/${fileIdOf(view, RISKY)}`]) {
      const response = await page.goto(url);
      expect(response?.status()).toBe(404);
      const html = await page.content();
      expect(html).toContain('Page not found');
      expect(html).not.toContain(RISKY);
      await accessible(page);
    }
    // Nor may a member who is not the author open the researcher's pages of the request, its file or the file's grid.
    const riskyFile = `${ingress}/web/requests/${requestId}/files/${fileIdOf(view, RISKY)}`;
    await page.goto(`${ingress}/web/`);
    await page.waitForURL(`${ingress}/web/`);
    for (const url of [`${ingress}/web/requests/${requestId}`, riskyFile, `${riskyFile}/grid.json`]) {
      const response = await page.goto(url);
      expect(response?.status()).toBe(404);
      expect(await page.content()).not.toContain(FIXED_TABLE.split('\n')[1]);
    }
    await accessible(page);
    await page.context().close();
  });

  it('leaves the journey in the audit log, with nothing refused by the CSP and no script run from the data', async () => {
    const auditor = airlock.client.as(await airlock.token(uniqueId('sam'), ['auditor']));
    await expectEventually(
      async () => {
        const { items } = await auditor.auditRecords({ subject: requestId });
        const types = items.map((r) => r.envelope.type);
        for (const type of [
          'airlock.request.created.v1',
          'airlock.request.submitted.v1',
          'airlock.request.vote-cast.v1',
          'airlock.request.changes-requested.v1',
          'airlock.request.released.v1',
          'airlock.request.download-link-issued.v1',
          'airlock.request.file-downloaded.v1',
        ])
          expect(types).toContain(type);
        expect(types.filter((t) => t === 'airlock.request.file-downloaded.v1')).toHaveLength(1);
        const access = (await auditor.auditRecords({ requestId })).items.map(
          (r) => `${r.envelope.type} ${(r.envelope as { actor?: { userId?: string } }).actor?.userId}`,
        );
        expect(access).toEqual(
          expect.arrayContaining([
            `airlock.access.file-viewed.v1 ${chris.userId}`,
            `airlock.access.file-viewed.v1 ${dana.userId}`,
            `airlock.access.denied.v1 ${mallory.userId}`,
          ]),
        );
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(await auditor.verifyAudit()).toMatchObject({ valid: true });
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
  });
});
