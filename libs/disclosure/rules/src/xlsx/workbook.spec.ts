import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { DEFAULT_POLICY } from '../disclosure.policy';
import type { FileCheckResult } from '../disclosure.types';
import { checkFile } from '../file.checker';
import { chunked, utf8 } from '../testing/byte-source.fixture';
import { buildWorkbook, type SheetCell, type SheetSpec } from '../testing/workbook.builder';
import { buildZip } from '../testing/zip.builder';
import { XmlTokenizer, type XmlEvent } from './xml.tokenizer';

const deflate = (data: Uint8Array): Uint8Array => deflateRawSync(data);
const summary = (result: FileCheckResult): string[] => result.findings.map((f) => `${f.rule} ${f.verdict}: ${f.message}`);

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';

type Cell = SheetCell;
const workbook = (sheets: SheetSpec[], extra: Record<string, string> = {}): Uint8Array => buildWorkbook(sheets, { deflate, extra });

const check = (bytes: Uint8Array, name = 'tables.xlsx', policy = DEFAULT_POLICY): Promise<FileCheckResult> => checkFile(name, chunked(bytes, 333), policy);

const COUNTS: Cell[][] = [
  ['region', 'cases', 'controls'],
  ['North', 4, 200],
  ['South', 55, 210],
];
const PASSING: Cell[][] = [
  ['age', 'A', 'B'],
  ['18-40', 25, 30],
  ['41+', 40, 35],
];

describe('xlsx: each sheet is a table', () => {
  it('checks every sheet of a workbook written by openpyxl, hidden ones too', async () => {
    const result = await checkFile('results.xlsx', chunked(readFileSync(join(__dirname, '../testing/fixtures/openpyxl.xlsx')), 4096));
    expect(result.fileType.kind).toBe('xlsx');
    expect(summary(result)).toEqual([
      'threshold fail: sheet "Counts": 1 cell has fewer than 10 contributors',
      'class-disclosure fail: sheet "Counts": 2 cells have more than 0.9 of their row or column total, disclosing the attribute of nearly everyone in that category',
      'row-level fail: sheet "Workings" (hidden): The file looks like row-level data: column "patient_id" holds unique identifiers; column "email" holds e-mail addresses',
      'threshold review: sheet "Workings" (hidden): The table could not be read as counts: 30 cells are neither numbers nor suppression marks.',
      'threshold review: sheet "Formulas": The table could not be read as counts: 1 cell is neither numbers nor suppression marks (1 looks like spreadsheet formulas).',
      'file-type review: sheet "Formulas": 1 cell holds a formula (B2); formulas can link outside the workbook or refer to hidden cells, so a checker confirms them.',
    ]);
    expect(result.findings[0].cells).toEqual([{ row: 0, column: 0, rowLabel: 'North', columnLabel: 'cases' }]);
  });

  it('reads shared strings that come after the sheets (Excel zip order)', async () => {
    const result = await check(
      workbook([
        { name: 'Cases', rows: COUNTS },
        { name: 'Ages', rows: PASSING },
      ]),
    );
    expect(result.findings[0]).toMatchObject({
      rule: 'threshold',
      verdict: 'fail',
      cells: [{ row: 0, column: 0, rowLabel: 'North', columnLabel: 'cases' }],
      message: 'sheet "Cases": 1 cell has fewer than 10 contributors',
    });
  });

  it('passes a workbook whose sheets pass, and takes the type from the content whatever the name', async () => {
    expect(await check(workbook([{ name: 'Ages', rows: PASSING }]), 'tables.zip')).toMatchObject({ verdict: 'pass', fileType: { kind: 'xlsx' }, findings: [] });
  });

  it('judges a formula by the value Excel cached for it, and has a checker confirm the formula', async () => {
    const rows: Cell[][] = [
      ['age', 'A', 'Total'],
      ['18-40', 25, { formula: 'B2', cached: '25' }],
      ['41+', 40, 35],
    ];
    expect(summary(await check(workbook([{ name: 'T', rows }])))).toEqual([
      'file-type review: sheet "T": 1 cell holds a formula (C2); formulas can link outside the workbook or refer to hidden cells, so a checker confirms them.',
    ]);
  });

  it('fails a workbook carrying a pivot cache: a copy of the source rows leaves with it', async () => {
    const extra = {
      'xl/pivotCache/pivotCacheDefinition1.xml': `<pivotCacheDefinition ${NS}/>`,
      'xl/pivotCache/pivotCacheRecords1.xml': `<pivotCacheRecords ${NS}/>`,
    };
    const result = await check(workbook([{ name: 'Ages', rows: PASSING }], extra));
    expect(summary(result)).toEqual([expect.stringMatching(/^row-level fail: The workbook holds a pivot cache/)]);
  });

  it('sends charts, comments and macros to review, and checks files hidden among the parts', async () => {
    const extra = {
      'xl/charts/chart1.xml': '<chartSpace/>',
      'xl/charts/chart2.xml': '<chartSpace/>',
      'xl/comments1.xml': '<comments/>',
      'xl/extract.csv': 'sex,smokers\nF,3\n',
    };
    const result = await check(workbook([{ name: 'Ages', rows: PASSING }], extra));
    expect(summary(result)).toEqual([
      expect.stringMatching(/^file-type review: The workbook holds charts/),
      expect.stringMatching(/^file-type review: The workbook holds cell comments/),
      'threshold fail: xl/extract.csv: 1 cell has fewer than 10 contributors',
    ]);
  });

  it('sends a sheet larger than maxTableCells to review', async () => {
    const rows: Cell[][] = [['k', 'n'], ...Array.from({ length: 30 }, (_, i): Cell[] => [`r${i}`, 20])];
    const result = await check(workbook([{ name: 'Big', rows }]), 't.xlsx', { ...DEFAULT_POLICY, maxTableCells: 10 });
    expect(summary(result)).toEqual([
      'file-type review: sheet "Big": the sheet has more than 10 cells (policy maxTableCells), too many to check automatically.',
    ]);
  });
});

describe('xlsx: malformed workbooks go to review', () => {
  it.each([
    ['a sheet that is not XML', '<worksheet><sheetData><row><c r="A1"'],
    ['a document type declaration (entity expansion)', '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><worksheet/>'],
    [
      'a cell beyond the last column (a row sized at will)',
      `<worksheet ${NS}><sheetData><row r="1"><c r="ZZZZZZZ1"><v>1</v></c></row></sheetData></worksheet>`,
    ],
    ['two root elements', `<worksheet ${NS}/><worksheet ${NS}/>`],
  ])('%s', async (_name, xml) => {
    const bytes = buildZip(
      [
        { name: 'xl/workbook.xml', data: utf8(`<workbook ${NS}/>`) },
        { name: 'xl/worksheets/sheet1.xml', data: utf8(xml) },
      ],
      {},
    );
    const result = await check(bytes);
    expect(result.verdict).toBe('review');
    expect(result.findings[0].message).toMatch(/^Part "xl\/worksheets\/sheet1.xml" of the workbook cannot be read/);
  });
});

describe('XmlTokenizer', () => {
  const tokens = (text: string, cut: number): XmlEvent[] => {
    const tokenizer = new XmlTokenizer();
    const out: XmlEvent[] = [];
    for (let at = 0; at < text.length; at += cut) out.push(...tokenizer.push(text.slice(at, at + cut)));
    return [...out, ...tokenizer.end()].reduce<XmlEvent[]>((merged, e) => {
      const last = merged[merged.length - 1];
      if (e.kind === 'text' && last?.kind === 'text') merged[merged.length - 1] = { kind: 'text', text: last.text + e.text };
      else merged.push(e);
      return merged;
    }, []);
  };

  it.each([1, 3, 1000])('reads tags, attributes with ">" inside, entities and CDATA in %s-character pieces', (cut) => {
    const xml = `<?xml version="1.0"?><!-- c --><x:c r="A1" t='s' note="a>b"><v>1 &lt; 2 &amp;&#x41;&#66;</v><e/><![CDATA[<raw>]]></x:c>`;
    expect(tokens(xml, cut)).toEqual([
      { kind: 'open', name: 'c', attributes: { r: 'A1', t: 's', note: 'a>b' }, selfClosing: false },
      { kind: 'open', name: 'v', attributes: {}, selfClosing: false },
      { kind: 'text', text: '1 < 2 &AB' },
      { kind: 'close', name: 'v' },
      { kind: 'open', name: 'e', attributes: {}, selfClosing: true },
      { kind: 'close', name: 'e' },
      { kind: 'text', text: '<raw>' },
      { kind: 'close', name: 'c' },
    ]);
  });
});
