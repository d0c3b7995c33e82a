import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expectEventually, uniqueId } from '@airlock/testing';
import { newProject, startAirlock, type AirlockUnderTest } from './airlock-stack';

// The researcher's pages in a real browser: Debian's Chromium (never a downloaded build) driven by
// playwright-core, axe-core checking WCAG 2.2 AA on every page, keyboard use, and a screenshot of each
// page into docs/screenshots/ (docs/adr/0011-web-pages.md). On the real stack, as the other e2e tests.
jest.setTimeout(240_000);

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(__dirname, '..', 'docs', 'screenshots');
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const SAFE_TABLE = 'ward,admissions_2024,admissions_2025\nA,120,134\nB,98,101\nC,57,66\n';
const RISKY_TABLE = 'ward,y2023,y2024,y2025\nA,40,3,35\nB,45,50,52\nC,38,41,44\n';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SKIPPED: the browser tests need Debian's Chromium at ${CHROMIUM} (apt-get install chromium); none is downloaded.`);
const describeWithChromium = haveChromium ? describe : describe.skip;

describeWithChromium('the researcher pages in Chromium', () => {
  let airlock: AirlockUnderTest;
  let browser: Browser;
  let page: Page;
  const alice = uniqueId('alice');
  let project: string;
  const consoleErrors: string[] = [];

  /** Zero WCAG 2.2 AA violations on the page as it is now, and a screenshot of it. */
  async function checkPage(name: string, fullPage = true): Promise<void> {
    await page.screenshot({ path: path.join(SCREENSHOTS, `researcher-${name}.png`), fullPage });
    const results = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze();
    const violations = results.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
    expect({ page: name, violations }).toEqual({ page: name, violations: [] });
  }

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    airlock = await startAirlock(4104);
    const admin = airlock.client.as(await airlock.token('root', ['administrator']));
    project = newProject();
    await admin.setUpProject(project, { researchers: [alice], checkers: ['chris', 'dana'] });
    airlock.idp.signIn({ userId: alice, roles: ['researcher'] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    // axe-core needs the page to belong to a context of its own.
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    page = await context.newPage();
    // A CSP violation (an inline script or style the policy refused) shows as a console error.
    // (Pages answering 400 or 404 on purpose log "Failed to load resource"; assets are checked below.)
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource: the server responded')) consoleErrors.push(message.text());
    });
    page.on('response', (response) => {
      if (response.url().includes('/web/assets/') && response.status() >= 400) consoleErrors.push(`${response.status()} ${response.url()}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await airlock?.stop();
  });

  it('signs in through the provider and lands on an empty "My requests"; the skip link is the first tab stop', async () => {
    await page.goto(`${airlock.services.ingress.url}/web/`);
    await page.waitForURL(`${airlock.services.ingress.url}/web/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('My requests');
    await expect(page.getByText(`Signed in as ${alice}`).count()).resolves.toBe(1);
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement?.textContent?.trim()')).resolves.toBe('Skip to main content');
    // GOV.UK Frontend's script ran (a module file, allowed by the CSP), and nothing was refused.
    await expect(page.evaluate("document.body.classList.contains('govuk-frontend-supported')")).resolves.toBe(true);
    await checkPage('01-my-requests-empty');
  });

  it('starts a request with the keyboard alone, after an error message for a missing title', async () => {
    await page.getByRole('button', { name: 'Start a new request' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL('**/web/requests/new');
    await checkPage('02-new-request');
    await page.getByRole('button', { name: 'Create request' }).focus();
    await Promise.all([page.waitForURL(/\/web\/requests$/), page.keyboard.press('Enter')]);
    await expect(page.locator('.govuk-error-summary').count()).resolves.toBe(1);
    await checkPage('03-new-request-error');
    await page.getByLabel('Title').focus();
    await page.keyboard.type('Admissions by ward <img src=x onerror=alert(1)>');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/web\/requests\/[0-9a-f-]{36}$/);
    await expect(page.locator('h1').textContent()).resolves.toBe('Admissions by ward <img src=x onerror=alert(1)>');
    await expect(page.locator('img[src="x"]').count()).resolves.toBe(0);
    await checkPage('04-request-draft');
  });

  it('describes a group, uploads a safe and a disclosive table, submits, and shows the automated findings', async () => {
    await page.getByRole('link', { name: 'Add a group' }).click();
    await page.getByLabel('Group name').fill('tables');
    await page.getByLabel('Context').fill('Hospital admissions by ward, adults, 2023 to 2025. Same population as the tables released in March.');
    await page.getByLabel('Disclosure controls').fill('Counts below 10 suppressed');
    await checkPage('05-define-group');
    await page.getByRole('button', { name: 'Save group' }).click();
    await page.waitForURL(/#groups$/);
    await page.getByLabel('Files').setInputFiles([
      { name: 'admissions.csv', mimeType: 'text/csv', buffer: Buffer.from(SAFE_TABLE) },
      { name: 'small-counts.csv', mimeType: 'text/csv', buffer: Buffer.from(RISKY_TABLE) },
    ]);
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.waitForURL(/#files$/);
    await expect(page.locator('.airlock-file-name').allTextContents()).resolves.toEqual(['admissions.csv', 'small-counts.csv']);
    await checkPage('06-request-files');
    await Promise.all([page.waitForURL(/\/web\/requests\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Submit for checking' }).click()]);
    await expectEventually(
      async () => {
        await page.reload();
        const status = await page.locator('#status').textContent();
        if (!status?.includes('Waiting for output checkers')) throw new Error(`status is ${status}`);
      },
      { timeoutMs: 90_000, intervalMs: 1000 },
    );
    await expect(page.getByText('Disclosure risk found', { exact: true }).count()).resolves.toBe(1);
    await checkPage('07-request-submitted');
    await page.goto(`${airlock.services.ingress.url}/web/`);
    await checkPage('08-my-requests');
  });

  it('shows a plain 404 page for a request that is not there, and the signed-out page', async () => {
    const missing = await page.goto(`${airlock.services.ingress.url}/web/requests/00000000-0000-4000-8000-000000000000`);
    expect(missing?.status()).toBe(404);
    await checkPage('09-not-found');
    await page.goto(`${airlock.services.ingress.url}/web/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/web/signed-out');
    await checkPage('10-signed-out');
    expect(consoleErrors).toEqual([]);
  });

  it('shows the administrator page of projects and members', async () => {
    airlock.idp.signIn({ userId: uniqueId('admin'), roles: ['administrator'] });
    await page.goto(`${airlock.services.ingress.url}/web/admin`);
    await page.waitForURL('**/web/admin');
    await expect(page.locator(`#project-${project}`).count()).resolves.toBe(1);
    // The shared database holds every earlier run's projects: the first screen is enough to show.
    await checkPage('11-admin-projects', false);
    expect(consoleErrors).toEqual([]);
  });
});
