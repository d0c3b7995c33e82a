import { readFileSync } from 'node:fs';
import { checkFile } from '../file.checker';
import { textSource } from '../testing/byte-source.fixture';
import { isValidNhsNumber, RowLevelDetector } from './row-level.rule';

const detect = (header: string[], rows: string[][]) => {
  const detector = new RowLevelDetector();
  [header, ...rows].forEach((row) => detector.observe(row));
  return detector.findings();
};

const many = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

describe('row-level data', () => {
  it.each([
    ['943 476 5919', true], // the NHS Data Dictionary example
    ['9434765919', true],
    ['9434765918', false], // wrong check digit
    ['943476591', false],
  ])('NHS number %s has a valid checksum: %s', (value, valid) => {
    expect(isValidNhsNumber(value)).toBe(valid);
  });

  it.each([
    ['e-mail addresses', 'contact', (i: number) => `person${i}@example.org`],
    ['NHS numbers with a valid checksum', 'ref', () => '943 476 5919'],
    ['UK postcodes', 'home', (i: number) => `SW1A ${i % 10}AA`],
    ['dates of birth', 'date_of_birth', (i: number) => `19${50 + (i % 40)}-01-0${1 + (i % 9)}`],
    ['unique identifiers', 'patient_id', (i: number) => `P${1000 + i}`],
  ])('fails a column of %s', (signal, label, value) => {
    const findings = detect(
      ['group', label],
      many(25, (i) => ['a', value(i)]),
    );
    expect(findings).toEqual([
      {
        rule: 'row-level',
        verdict: 'fail',
        cells: [{ row: 0, column: 1, columnLabel: label }],
        message: `The file looks like row-level data: column "${label}" holds ${signal}`,
      },
    ]);
    expect(findings[0].message).not.toContain(value(0));
  });

  // Counts (numbers from the tokenizer) are tallied apart from text values; they still count as values.
  it('weighs a column of e-mail addresses against the counts among them, and points at the first value', () => {
    const observe = (rows: (string | number)[][]) => {
      const detector = new RowLevelDetector();
      [['group', 'contact'], ...rows].forEach((row) => detector.observe(row));
      return detector.findings();
    };
    const mails = many(20, (i) => ['a', `person${i}@example.org`]);
    expect(observe([...mails, ...many(10, (i) => ['a', 10 + i])])).toEqual([]);
    expect(observe([['a', 7], ...mails])).toEqual([expect.objectContaining({ rule: 'row-level', cells: [{ row: 0, column: 1, columnLabel: 'contact' }] })]);
  });

  // Once every column has held a count, counts are tallied per row, not per cell (the fast path).
  it.each([
    ['counts after them outweigh them', [...many(10, (i) => [3, 10 + i])], []],
    ['short rows hold no count', many(5, () => [4]), [{ row: 0, column: 1, columnLabel: 'contact' }]],
    ['empty cells hold no count', many(5, () => [4, '']), [{ row: 0, column: 1, columnLabel: 'contact' }]],
  ])('weighs e-mail addresses after a row of counts: %s', (_case, after, cells) => {
    const detector = new RowLevelDetector();
    [['n', 'contact'], [1, 7], ...many(20, (i) => [2, `person${i}@example.org`]), ...after].forEach((row) => detector.observe(row));
    expect(detector.findings().flatMap((finding) => finding.cells)).toEqual(cells);
  });

  it('points at a first count that comes after empty cells and short rows', () => {
    const detector = new RowLevelDetector();
    const rows: (string | number)[][] = [['group', 'contact'], ['a', ''], ['a'], ['a', 7], ...many(20, (i) => ['a', `person${i}@example.org`])];
    rows.forEach((row) => detector.observe(row));
    expect(detector.findings().flatMap((finding) => finding.cells)).toEqual([{ row: 2, column: 1, columnLabel: 'contact' }]);
  });

  it('passes an aggregate table whose labels are categories', () => {
    expect(
      detect(
        ['region', 'count'],
        many(30, (i) => [`region ${i % 5}`, String(20 + i)]),
      ),
    ).toEqual([]);
  });

  it('does not call an id-named column of repeated categories an identifier', () => {
    expect(
      detect(
        ['site_id', 'n'],
        many(30, (i) => [`S${i % 3}`, '12']),
      ),
    ).toEqual([]);
  });

  it('fails a microdata CSV through checkFile', async () => {
    const csv = ['id,email,age', ...many(30, (i) => `${i},p${i}@nhs.net,${30 + (i % 40)}`)].join('\n') + '\n';
    const result = await checkFile('extract.csv', textSource(csv));
    expect(result.verdict).toBe('fail');
    expect(result.findings[0]).toMatchObject({ rule: 'row-level', verdict: 'fail' });
    expect(result.findings[0].message).toContain('column "email" holds e-mail addresses');
  });

  it('stays silent on ACRO test data, microdata without direct identifiers (a known gap); the file still does not pass', async () => {
    const result = await checkFile('test_data.csv', textSource(readFileSync('/work/shared/data/acro/test_data.csv', 'utf8')));
    expect(result.findings.some((f) => f.rule === 'row-level')).toBe(false);
    expect(result.verdict).not.toBe('pass');
  });
});
