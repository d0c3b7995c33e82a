import fc from 'fast-check';
import { DEFAULT_POLICY, type DisclosurePolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';
import { readCsvRowBatches } from '../readers/csv.reader';
import { MAX_LISTED_CELLS } from '../tables/cell-list';
import { parseBodyCell } from '../tables/body-cell.parser';
import { isTotalLabel, type FrequencyTable } from '../tables/frequency-table';
import { checkTableRows } from '../tables/table-rows.check';
import { textSource } from '../testing/byte-source.fixture';
import { referenceFrequencyCheck } from '../testing/frequency-table.reference';
import { checkFrequencyTable } from './frequency-table.scan';

// The streaming rules must say what the whole-table reference says, table for table.

const tableOf = (columnLabels: string[], rows: { label: string; cells: string[] }[]): FrequencyTable => ({
  columnLabels,
  rowLabels: rows.map((r) => r.label),
  body: rows.map((r) => r.cells.map(parseBodyCell)),
  totalRows: new Set(rows.flatMap((r, i) => (isTotalLabel(r.label) ? [i] : []))),
  totalColumns: new Set(columnLabels.flatMap((l, i) => (isTotalLabel(l) ? [i] : []))),
});

const cell = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }).map(String) },
  { weight: 3, arbitrary: fc.integer({ min: 40, max: 2000 }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom('*', '', '<10', '[c]', 'x') },
  { weight: 1, arbitrary: fc.constantFrom('n/k', '=1+1', '2.5', '-3', '1,234') },
);

const tables = fc
  .record({
    columns: fc.array(fc.constantFrom('A', 'B', 'C', 'D', 'Total', 'All'), { minLength: 1, maxLength: 6 }),
    rowLabels: fc.array(fc.constantFrom('x', 'y', 'z', 'w', 'Total'), { minLength: 1, maxLength: 8 }),
    seed: fc.array(cell, { minLength: 48, maxLength: 48 }),
    consistentTotals: fc.boolean(),
  })
  .map(({ columns, rowLabels, seed, consistentTotals }) => {
    const rows = rowLabels.map((label, r) => ({ label, cells: columns.map((_, c) => seed[(r * columns.length + c) % seed.length]) }));
    const table = tableOf(columns, rows);
    if (consistentTotals) publishSums(table);
    return { table, consistent: consistentTotals && !table.body.some((cells) => cells.some((c) => typeof c === 'number' && c < 0)) };
  });

/**
 * Makes every total cell the sum of its inner cells, as real tables have; where some inner cells
 * are hidden, the sum of the others plus what the hidden ones might hold.
 */
const publishSums = (table: FrequencyTable): void => {
  const inner = (n: number, totals: ReadonlySet<number>): number[] => Array.from({ length: n }, (_, i) => i).filter((i) => !totals.has(i));
  const columns = inner(table.columnLabels.length, table.totalColumns);
  const rows = inner(table.body.length, table.totalRows);
  const sum = (cells: unknown[]): number => cells.reduce<number>((a, c) => a + (typeof c === 'number' ? c : 7), 0);
  table.body.forEach((cells, r) => {
    if (!table.totalRows.has(r)) for (const t of table.totalColumns) cells[t] = sum(columns.map((c) => cells[c]));
  });
  for (const t of table.totalRows) table.columnLabels.forEach((_, c) => (table.body[t][c] = sum(rows.map((r) => table.body[r][c]))));
};

const policies = fc.record({
  threshold: fc.constantFrom(10, 5),
  zerosAreDisclosive: fc.boolean(),
  classDisclosureShare: fc.constantFrom(0.9, 0.75, 0.5, 0.3),
});

const positions = (f: Finding): string[] => f.cells.map((c) => `${c.row},${c.column}`);

describe('frequency table scan against the whole-table reference', () => {
  it('finds the same cells with the same messages on random tables', () => {
    fc.assert(
      fc.property(tables, policies, ({ table, consistent }, overrides) => {
        const policy: DisclosurePolicy = { ...DEFAULT_POLICY, ...overrides };
        const streamed = checkFrequencyTable(table, policy);
        const reference = referenceFrequencyCheck(table, policy);
        expect(streamed.map((f) => [f.rule, f.verdict])).toEqual(reference.map((f) => [f.rule, f.verdict]));
        streamed.forEach((f, i) => {
          if (f.message.includes('(at least:')) {
            // Only where totals are smaller than their cells (published so, or by negative counts).
            expect(consistent).toBe(false);
            // Totals smaller than their cells: the count may be short, never a wrong cell.
            expect(reference[i].cells.map((c) => `${c.row},${c.column}`)).toEqual(expect.arrayContaining(positions(f)));
          } else {
            expect(f).toEqual(reference[i]);
          }
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('names the first cells and counts them all when more fail than can be listed', () => {
    const columns = Array.from({ length: 30 }, (_, c) => `c${c}`);
    const rows = Array.from({ length: 40 }, (_, r) => ({ label: `r${r}`, cells: columns.map((_, c) => String((r + c) % 3 === 0 ? 3 : 50)) }));
    const table = tableOf(columns, rows);
    const [threshold] = checkFrequencyTable(table, DEFAULT_POLICY);
    const [reference] = referenceFrequencyCheck(table, DEFAULT_POLICY);
    expect(reference.cells.length).toBeGreaterThan(MAX_LISTED_CELLS);
    expect(threshold.cells).toEqual(reference.cells.slice(0, MAX_LISTED_CELLS));
    expect(threshold.cellCount).toBe(reference.cells.length);
    expect(threshold.message).toBe(reference.message);
  });

  it('says "at least" when a column total is smaller than several of its cells', () => {
    const table = tableOf(
      ['A', 'B'],
      [
        { label: 'x', cells: ['100', '900'] },
        { label: 'y', cells: ['100', '900'] },
        { label: 'z', cells: ['100', '900'] },
        { label: 'Total', cells: ['5', '2700'] },
      ],
    );
    const [finding] = checkFrequencyTable(table, DEFAULT_POLICY).filter((f) => f.rule === 'class-disclosure');
    // Row shares are 0.9 exactly (pass); column A's published total 5 makes every cell of A fail.
    expect(finding.message).toMatch(/\(at least: a column total is smaller than its largest cells\)$/);
    expect(finding.cells.every((c) => c.column === 0)).toBe(true);
  });
});

describe('a table streamed from CSV', () => {
  it('is judged whole, past the in-memory limit, with the same findings as in memory', async () => {
    const header = ['group', ...Array.from({ length: 20 }, (_, c) => `c${c}`), 'Total'].join(',');
    const lines = Array.from({ length: 5000 }, (_, r) => {
      const cells = Array.from({ length: 20 }, (_, c) => ((r * 7 + c * 13) % 101 === 0 ? 4 : 20 + ((r + c) % 50)));
      return [`r${r}`, ...cells, cells.reduce((a, b) => a + b, 0)].join(',');
    });
    const csv = [header, ...lines].join('\n');
    const policy = { ...DEFAULT_POLICY, maxTableCells: 1000 };
    const { findings } = await checkTableRows(readCsvRowBatches(textSource(csv)), policy, null);
    const inMemory = referenceFrequencyCheck(
      tableOf(
        header.split(',').slice(1),
        lines.map((l) => ({ label: l.split(',')[0], cells: l.split(',').slice(1) })),
      ),
      policy,
    );
    expect(findings.map((f) => f.rule)).toEqual(['threshold']);
    expect(findings[0].cellCount).toBe(inMemory[0].cells.length);
    expect(findings[0].cells).toEqual(inMemory[0].cells.slice(0, MAX_LISTED_CELLS));
  });
});
