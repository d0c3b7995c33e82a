import fc from 'fast-check';
import { DEFAULT_POLICY, type DisclosurePolicy } from '../disclosure.policy';
import { checkFile } from '../file.checker';
import { cellText } from '../readers/delimited.tokenizer';
import { readCsvCellBatches, readCsvRowBatches } from '../readers/csv.reader';
import { MAX_UNKNOWN_CELLS } from '../rules/suppression.ledger';
import { chunked, collect, utf8 } from '../testing/byte-source.fixture';
import { referenceFrequencyCheck } from '../testing/frequency-table.reference';
import { readTableInMemory } from './frequency-table.reader';
import { checkTableRows } from './table-rows.check';

// A CSV table is judged as it streams, its counts read as numbers (readCsvCellBatches): every cell
// of a table of any length is judged, with the verdicts of the in-memory path wherever both can
// run, and what bounded aggregates cannot hold goes to a person instead of passing.

const flatten = async (batches: AsyncIterable<unknown[][]>): Promise<unknown[][]> => (await collect(batches)).flat();

/** Cells as researchers write them: counts, zero-padded codes, long numbers, marks, text, quoted and spaced fields. */
const field = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 60 }).map(String) },
  { weight: 3, arbitrary: fc.integer({ min: 60, max: 999_999_999 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('007', '00', '0', '1234567890', '9999999999999', '12.0', ' 12', '12 ', '"12"', '"1,234"', '-4', '+5', '1e3') },
  { weight: 2, arbitrary: fc.constantFrom('*', '', '<10', '[c]', 'x', 'n/a', '=1+1', 'Total', 'All', 'a "q" b', '£12') },
);

const csvTables = fc
  .record({
    columns: fc.integer({ min: 1, max: 6 }),
    rows: fc.integer({ min: 0, max: 12 }),
    seed: fc.array(field, { minLength: 90, maxLength: 90 }),
    totals: fc.boolean(),
    lineBreak: fc.constantFrom('\n', '\r\n'),
  })
  .map(({ columns, rows, seed, totals, lineBreak }) => {
    const header = ['group', ...Array.from({ length: columns }, (_, c) => (totals && c === columns - 1 ? 'Total' : `c${c}`))];
    const lines = Array.from({ length: rows }, (_, r) => [
      totals && r === rows - 1 ? 'Total' : `r${r}`,
      ...Array.from({ length: columns }, (_, c) => seed[(r * columns + c) % seed.length]),
    ]);
    return [header, ...lines].map((cells) => cells.join(',')).join(lineBreak) + lineBreak;
  });

const policies = fc.record({
  threshold: fc.constantFrom(10, 5),
  zerosAreDisclosive: fc.boolean(),
  classDisclosureShare: fc.constantFrom(0.9, 0.5),
  rounding: fc.constantFrom('none' as const, 'base5' as const),
});

describe('counts read as numbers', () => {
  it('give back exactly the text of every cell, however the bytes are cut', async () => {
    await fc.assert(
      fc.asyncProperty(csvTables, fc.integer({ min: 1, max: 40 }), async (csv, size) => {
        const text = await flatten(readCsvRowBatches(chunked(utf8(csv), size)));
        const cells = await flatten(readCsvCellBatches(chunked(utf8(csv), size)));
        expect(cells.map((row) => row.map((cell) => cellText(cell as string | number)))).toEqual(text);
        // Only a field that spells one count is a number: no leading zero, at most 9 digits.
        for (const cell of cells.flat()) if (typeof cell === 'number') expect(String(cell)).toMatch(/^(0|[1-9]\d{0,8})$/);
      }),
      { numRuns: 400 },
    );
  });

  it('judge every table as its text does, every rule included', async () => {
    await fc.assert(
      fc.asyncProperty(csvTables, policies, fc.integer({ min: 1, max: 40 }), async (csv, overrides, size) => {
        const policy: DisclosurePolicy = { ...DEFAULT_POLICY, ...overrides };
        const asText = await checkTableRows(readCsvRowBatches(chunked(utf8(csv), size)), policy, null, 'delimited');
        const asCounts = await checkTableRows(readCsvCellBatches(chunked(utf8(csv), size)), policy, null, 'delimited');
        expect(asCounts).toEqual(asText);
      }),
      { numRuns: 400 },
    );
  });
});

describe('tables longer than the in-memory limit', () => {
  it('are judged whole by checkFile, as the in-memory path judges them when it may hold them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          columns: fc.integer({ min: 2, max: 8 }),
          rows: fc.integer({ min: 20, max: 60 }),
          seed: fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 50, maxLength: 50 }),
        }),
        policies,
        async ({ columns, rows, seed }, overrides) => {
          const header = ['group', ...Array.from({ length: columns }, (_, c) => `c${c}`)].join(',');
          const lines = Array.from({ length: rows }, (_, r) =>
            [`r${r}`, ...Array.from({ length: columns }, (_, c) => seed[(r * 7 + c) % seed.length])].join(','),
          );
          const csv = `${[header, ...lines].join('\n')}\n`;
          const small: DisclosurePolicy = { ...DEFAULT_POLICY, ...overrides, rounding: 'none', maxTableCells: 10 };

          const refused = await readTableInMemory(readCsvRowBatches(chunked(utf8(csv), 64)), small);
          expect(refused.kind).toBe('unreadable');

          const streamed = await checkFile('long.csv', chunked(utf8(csv), 64), small);
          expect(streamed.cellsJudged).toBe(rows * columns);
          const inMemory = await readTableInMemory(readCsvRowBatches(chunked(utf8(csv), 64)), { maxTableCells: rows * columns });
          if (inMemory.kind !== 'table') throw new Error('the in-memory path could not read the table');
          const reference = referenceFrequencyCheck(inMemory.table, small);
          expect(streamed.findings).toEqual(reference);
          expect(streamed.verdict).toBe(reference.some((f) => f.verdict === 'fail') ? 'fail' : reference.length > 0 ? 'review' : 'pass');
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('what bounded aggregates cannot hold fails closed', () => {
  it('a row wider than the reader takes goes to review, with no cell reported judged', async () => {
    const width = 100_001;
    const csv = `group,${Array.from({ length: width }, (_, c) => `c${c}`).join(',')}\nr0,${Array(width).fill('12').join(',')}\n`;
    const result = await checkFile('wide.csv', chunked(utf8(csv), 1 << 16));
    expect(result.verdict).toBe('review');
    expect(result.findings).toEqual([
      expect.objectContaining({ rule: 'file-type', verdict: 'review', message: expect.stringMatching(/cannot be read as a table: .*more than 100000 cells/) }),
    ]);
    expect(result.cellsJudged).toBeUndefined();
  });

  it('more suppressed cells than the suppression ledger keeps, with totals published, go to review, never pass', async () => {
    const columns = 1000;
    const rows = Math.ceil((MAX_UNKNOWN_CELLS + 1) / columns);
    const header = `group,${Array.from({ length: columns }, (_, c) => `c${c}`).join(',')},Total\n`;
    const row = (r: number): string => `r${r},${Array(columns).fill('*').join(',')},${20 * columns}\n`;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield utf8(header);
      for (let r = 0; r < rows; r += 100) yield utf8(Array.from({ length: Math.min(100, rows - r) }, (_, k) => row(r + k)).join(''));
    }
    const result = await checkFile('suppressed.csv', source());
    expect(result.cellsJudged).toBe(rows * (columns + 1));
    expect(result.verdict).toBe('review');
    expect(result.findings).toContainEqual(
      expect.objectContaining({
        rule: 'secondary-suppression',
        verdict: 'review',
        message: expect.stringContaining(`More than ${MAX_UNKNOWN_CELLS} cells are suppressed`),
      }),
    );
    expect(result.findings.some((f) => f.rule === 'secondary-suppression' && f.verdict === 'pass')).toBe(false);
  });
});
