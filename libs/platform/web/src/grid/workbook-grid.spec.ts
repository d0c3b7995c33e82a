import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { deflateRawSync } from 'node:zlib';
import pino from 'pino';
import { checkFile, DEFAULT_POLICY } from '@airlock/disclosure-rules';
import type { CheckFinding } from '@airlock/domain';
import { buildWorkbook } from '@airlock/disclosure-rules/testing';
import { PageError, Web } from '../web';
import { openContent } from './file-content';
import { gridPageOf } from './grid-page';
import { parseSheetParam, sheetOfFinding } from './workbook-grid';

const HOSTILE = '<script>alert(1)</script>';

// Two count tables, each with one cell under the threshold, in different places; the second
// sheet's name and one of its labels are script.
const book = buildWorkbook([
  {
    name: 'Ages',
    rows: [
      ['age', 'men', 'women'],
      ['0-9', 12, 3],
      ['10-19', 40, 50],
    ],
  },
  {
    name: HOSTILE,
    rows: [
      ['region', 'count', { formula: 'SUM(B2:B3)', cached: '60' }],
      [`${HOSTILE}<img src=x onerror=alert(2)>`, 55, 20],
      ['south', 5, 30],
    ],
  },
]);

const findingsOf = async (bytes: Uint8Array): Promise<CheckFinding[]> => (await checkFile('tables.xlsx', Readable.from([bytes]))).findings as CheckFinding[];
const open = (bytes: Uint8Array, findings: CheckFinding[], sheet?: unknown, policy: Record<string, unknown> = DEFAULT_POLICY) =>
  openContent(Readable.from([Buffer.from(bytes)]), { name: 'tables.xlsx', check: { verdict: 'fail', findings, policy } as never }, { sheet });

const web = new Web(
  {
    serviceName: 'Airlock: outputs',
    cookieName: 'airlock_test',
    basePath: '/web',
    publicUrl: 'http://127.0.0.1:1',
    sessionSecret: randomBytes(32),
    secureCookies: false,
    oidc: { discoveryUrl: 'http://127.0.0.1:1/.well-known/openid-configuration', clientId: 'airlock-web' },
  },
  pino({ level: 'silent' }),
);

describe('workbooks in the grid', () => {
  it('shows each sheet with only its own findings on its cells and counts the others', async () => {
    const findings = await findingsOf(book);
    const threshold = findings.filter((f) => f.rule === 'threshold');
    expect(threshold).toHaveLength(2);

    const first = await open(book, findings);
    if (!('grid' in first)) throw new Error('a workbook opens as a grid');
    expect(first.view).toEqual({ kind: 'table', table: 'xlsx' });
    expect(first.grid.rows).toEqual([
      ['age', 'men', 'women'],
      ['0-9', '12', '3'],
      ['10-19', '40', '50'],
    ]);
    expect(first.grid.workbook).toEqual({
      sheets: [
        { index: 0, name: 'Ages', hidden: false, findings: expect.any(Number) },
        { index: 1, name: HOSTILE, hidden: false, findings: expect.any(Number) },
      ],
      current: 0,
      elsewhere: first.grid.workbook?.sheets[1].findings,
    });
    expect(first.grid.workbook?.elsewhere).toBeGreaterThan(0);
    expect(first.grid.findings.every((f) => !f.message.startsWith(`sheet "${HOSTILE}"`))).toBe(true);
    const firstThreshold = first.grid.findings.find((f) => f.rule === 'threshold');
    expect(first.grid.marks.filter((m) => m[2].includes(firstThreshold?.index ?? -1)).map((m) => [m[0], m[1]])).toEqual([[1, 2]]);

    const second = await open(book, findings, '1');
    if (!('grid' in second)) throw new Error('a workbook opens as a grid');
    // The formula shows its cached value, never the formula and never evaluated.
    expect(second.grid.rows[0]).toEqual(['region', 'count', '60']);
    expect(second.grid.workbook?.current).toBe(1);
    expect(second.grid.workbook?.elsewhere).toBe(first.grid.workbook?.sheets[0].findings);
    expect(second.grid.findings.every((f) => !f.message.startsWith('sheet "Ages"'))).toBe(true);
    const secondThreshold = second.grid.findings.find((f) => f.rule === 'threshold');
    expect(second.grid.marks.filter((m) => m[2].includes(secondThreshold?.index ?? -1)).map((m) => [m[0], m[1]])).toEqual([[2, 1]]);
  });

  it('keeps a hostile sheet name and cell as text on the page', async () => {
    const findings = await findingsOf(book);
    const opened = await open(book, findings, '1');
    if (!('grid' in opened)) throw new Error('a workbook opens as a grid');
    const html = web.renderPage('web-table-grid.njk', { grid: gridPageOf(opened.grid), gridSrc: '/web/x/grid.json', file: { name: 'tables.xlsx' } }, undefined);
    expect(html).not.toMatch(/<script>alert|<img src=x/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('<a class="govuk-link" href="?sheet=1" aria-current="page">&lt;script&gt;alert(1)&lt;/script&gt;</a>');
    expect(html).toContain('href="?sheet=0">Ages (');
    expect(html).toContain('data-grid-src="/web/x/grid.json?sheet=1"');
  });

  it.each([['-1'], ['1.5'], ['x'], [''], [['0', '1']], ['999999']])('refuses the sheet %p with a 400', (raw) => {
    expect(() => parseSheetParam(raw)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('answers 404 for a sheet past the last, and for a sheet of a file that is not a workbook', async () => {
    await expect(open(book, [], '2')).rejects.toEqual(expect.objectContaining({ status: 404 }));
    await expect(open(book, [], 'abc')).rejects.toBeInstanceOf(PageError);
    const csv = openContent(Readable.from([Buffer.from('a,b\n1,2\n')]), { name: 't.csv' }, { sheet: '0' });
    await expect(csv).rejects.toEqual(expect.objectContaining({ status: 404 }));
  });

  it("reads the sheets under the cell limit of the file's check policy", async () => {
    const opened = await open(book, [], '0', { ...DEFAULT_POLICY, maxTableCells: 2 });
    if (!('grid' in opened)) throw new Error('a workbook opens as a grid');
    expect(opened.grid.rows).toEqual([]);
    expect(opened.grid.unreadable).toMatch(/too many cells/);
  });

  it('keeps the zip-bomb bounds: a sheet that inflates past the ratio is unreadable, never a crash', async () => {
    const bomb = buildWorkbook([{ name: 'Bomb', rows: [['a']] }], {
      deflate: (data) => deflateRawSync(data),
      extra: { 'xl/worksheets/sheet1.xml': `<worksheet><sheetData>${'<row/>'.repeat(2_000_000)}</sheetData></worksheet>` },
    });
    const opened = await open(bomb, []);
    if (!('grid' in opened)) throw new Error('a workbook opens as a grid');
    expect(opened.grid.rows).toEqual([]);
    expect(opened.grid.unreadable).toMatch(/zip bomb/);
    await expect(open(bomb, [], '1')).rejects.toEqual(expect.objectContaining({ status: 404 }));
  });

  it('names a sheet by the longest place a finding starts with', () => {
    const sheets = [
      { name: 'a', hidden: true },
      { name: 'a" (hidden)', hidden: false },
    ];
    expect(sheetOfFinding({ message: 'sheet "a" (hidden): 1 cell' }, sheets)).toBe(0);
    expect(sheetOfFinding({ message: 'sheet "a" (hidden)": 1 cell' }, sheets)).toBe(1);
    expect(sheetOfFinding({ message: 'The workbook holds more text' }, sheets)).toBeNull();
  });

  it('reads the real fixture workbook as a grid', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    // The rules lib's own fixture, read as a file (not imported across projects).
    const bytes = readFileSync(join(__dirname, '..', '..', '..', '..', 'disclosure', 'rules', 'src', 'testing', 'fixtures', 'ages-april.xlsx'));
    const opened = await open(bytes, []);
    if (!('grid' in opened)) throw new Error('a workbook opens as a grid');
    expect(opened.grid.rows.length).toBeGreaterThan(1);
    expect(opened.grid.workbook?.sheets.length).toBeGreaterThan(0);
  });
});
