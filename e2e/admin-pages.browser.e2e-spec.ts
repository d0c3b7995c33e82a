import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { uniqueId, type AirlockClient } from '@airlock/testing';
import { newProject, startAirlock, type AirlockUnderTest } from './airlock-stack';

// The administrator's page in Debian's Chromium: checkers added, a member refused as a checker of
// their own project, an accreditation's last day set, a member removed; each form from the keyboard,
// each change read back through the admin JSON API (the registry both use), axe on every page, and
// the same refusals as every page: 403 without the CSRF token or the role, script in input inert.
jest.setTimeout(300_000);

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(__dirname, '..', 'docs', 'screenshots');
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SKIPPED: the browser tests need Debian's Chromium at ${CHROMIUM} (apt-get install chromium); none is downloaded.`);
const describeWithChromium = haveChromium ? describe : describe.skip;

type Project = { members: string[]; checkers: string[] };

describeWithChromium('the administrator page in Chromium', () => {
  let airlock: AirlockUnderTest;
  let browser: Browser;
  let page: Page;
  let admin: AirlockClient;
  let ingress: string;
  const project = newProject();
  const rita = uniqueId('rita');
  const carl = uniqueId('carl');
  const cora = uniqueId('cora');
  const dialogs: string[] = [];
  const problems: string[] = [];

  async function accessible(screenshot?: string): Promise<void> {
    // The shared database holds every earlier run's projects: the first screen is enough to show.
    if (screenshot) await page.screenshot({ path: path.join(SCREENSHOTS, `admin-${screenshot}.png`) });
    const results = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  }

  /** Types into a field and presses Enter, waiting for the page the form leads to. */
  async function typeAndSend(selector: string, text: string): Promise<void> {
    await page.locator(selector).focus();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(text);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  }

  const projectNow = () => admin.admin<Project>('GET', `/projects/${project}`);

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    airlock = await startAirlock(4470, { env: { AIRLOCK_WEB_SESSION_SECRET: 'e2e-admin-pages-secret-of-at-least-32-characters' } });
    ingress = airlock.services.ingress.url;
    admin = airlock.client.as(await airlock.token('root', ['administrator']));
    await admin.setUpProject(project, { researchers: [rita], checkers: [carl] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded')) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    airlock.idp.signIn({ userId: uniqueId('admin'), roles: ['administrator'] });
    await page.goto(`${ingress}/web/admin`);
    await page.waitForURL('**/web/admin');
  });

  afterAll(async () => {
    await browser?.close();
    await airlock?.stop();
  });

  it('adds a checker, and refuses a member of the project as its checker', async () => {
    await page.goto(`${ingress}/web/admin#project-${project}`);
    await accessible();
    await typeAndSend(`#checker-${project}`, cora);
    await expect(projectNow()).resolves.toMatchObject({ checkers: expect.arrayContaining([carl, cora]) });
    await expect(page.locator(`#project-${project}`).textContent()).resolves.toContain(cora);
    await typeAndSend(`#checker-${project}`, rita);
    await expect(page.locator('.govuk-error-summary').count()).resolves.toBe(1);
    await expect(page.locator(`#checker-${project}-error`).count()).resolves.toBe(1);
    await page.locator(`#project-${project}`).scrollIntoViewIfNeeded();
    await accessible('02-checker-refused');
    expect((await projectNow()).checkers).not.toContain(rita);
  });

  it("sets an accreditation's last day, and refuses a day that is not a date", async () => {
    const field = `#accredit-${project}-${rita}`;
    await typeAndSend(field, '2031-02-30');
    await expect(page.locator(`${field}-error`).textContent()).resolves.toContain('Enter the last day of the accreditation as a date');
    await accessible();
    await typeAndSend(field, '2031-01-31');
    await expect(admin.admin('GET', `/accreditations/${rita}`)).resolves.toMatchObject({ accredited: true, expiresAt: '2031-01-31T23:59:59.000Z' });
    await expect(page.locator(`#project-${project}`).textContent()).resolves.toContain('Until 2031-01-31');
  });

  it('removes a member with the keyboard', async () => {
    await page.goto(`${ingress}/web/admin#project-${project}`);
    await page.locator(`#remove-members-${project}-${rita}`).focus();
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect((await projectNow()).members).not.toContain(rita);
    await page.locator(`#project-${project}`).scrollIntoViewIfNeeded();
    await accessible('01-projects');
  });

  it('refuses a form without the CSRF token (403), keeps script in input inert, and is for administrators only', async () => {
    const refused = await page.context().request.post(`${ingress}/web/admin/projects/${project}/checkers`, { form: { userId: uniqueId('eve') } });
    expect(refused.status()).toBe(403);
    const removal = await page.context().request.post(`${ingress}/web/admin/projects/${project}/checkers/${carl}/remove`, { form: {} });
    expect(removal.status()).toBe(403);
    expect((await projectNow()).checkers).toContain(carl);
    await typeAndSend(`#member-${project}`, '<img src=x onerror=alert(1)>');
    await expect(page.locator(`#member-${project}-error`).count()).resolves.toBe(1);
    await expect(page.locator('img[src="x"]').count()).resolves.toBe(0);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);

    const researcher = await browser.newContext();
    const other = await researcher.newPage();
    airlock.idp.signIn({ userId: rita, roles: ['researcher'] });
    await other.goto(`${ingress}/web/`);
    await other.waitForURL(`${ingress}/web/`);
    const response = await other.goto(`${ingress}/web/admin`);
    expect(response?.status()).toBe(403);
    await researcher.close();
  });
});
