import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig } from '@airlock/config';
import { createDb, type Db } from '@airlock/database';
import type { RunningHttpService } from '@airlock/http';
import { buildInfra, type Infra } from '@airlock/runtime';
import { realStack, uniqueId } from '@airlock/testing';
import { startIngress } from './ingress.app';

// The development issuer's sign-in page in Debian's Chromium: `npm start` on embedded defaults
// (the issuer is refused with real servers, so ingress runs in-process on the real PostgreSQL with
// its embedded bus and store). WCAG 2.2 AA with axe-core, keyboard alone, and its screenshot.
jest.setTimeout(120_000);

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(__dirname, '../../../docs/screenshots');
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const PORT = 4109;
const BASE = `http://127.0.0.1:${PORT}`;

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SKIPPED: the browser tests need Debian's Chromium at ${CHROMIUM} (apt-get install chromium); none is downloaded.`);
const describeWithChromium = haveChromium ? describe : describe.skip;

describeWithChromium("the development issuer's sign-in page in Chromium", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'airlock-dev-browser-'));
  const person = uniqueId('dev');
  let db: Db;
  let infra: Infra;
  let ingress: RunningHttpService;
  let browser: Browser;
  let page: Page;

  async function checkPage(name: string): Promise<void> {
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    const results = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze();
    expect({ page: name, violations: results.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(' ')) })) }).toEqual({
      page: name,
      violations: [],
    });
  }

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const logger = pino({ level: 'silent' });
    const config = loadConfig({ AIRLOCK_DEV_IDENTITY: 'true', AIRLOCK_INGRESS_PORT: String(PORT), AIRLOCK_DATA_DIR: dataDir, AIRLOCK_CLAMD_HOST: '' });
    db = createDb({ url: realStack().databaseUrl, max: 4 });
    infra = await buildInfra(config, { service: 'ingress', logger, shared: { db } });
    ingress = await startIngress(infra, config, logger);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await ingress?.close();
    await infra?.close();
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows errors for an empty form, then signs in with the keyboard alone', async () => {
    await page.goto(`${BASE}/web/`);
    await page.waitForURL(/\/dev\/authorize\?/);
    await checkPage('dev-issuer-01-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).focus();
    await Promise.all([page.waitForURL(`${BASE}/dev/authorize`), page.keyboard.press('Enter')]);
    await expect(page.locator('.govuk-error-summary').count()).resolves.toBe(1);
    await checkPage('dev-issuer-02-sign-in-errors');
    await page.getByLabel('User id').focus();
    await page.keyboard.type(person);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    await expect(page.getByLabel('researcher').isChecked()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Sign in' }).focus();
    await Promise.all([page.waitForURL(`${BASE}/web/`), page.keyboard.press('Enter')]);
    await expect(page.getByText(`Signed in as ${person}`).count()).resolves.toBe(1);
  });
});
