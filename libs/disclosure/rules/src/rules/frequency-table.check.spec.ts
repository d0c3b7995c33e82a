import { DEFAULT_POLICY } from '../disclosure.policy';
import type { Finding, RuleName } from '../disclosure.types';
import { textSource } from '../testing/byte-source.fixture';
import { readCsvRowBatches } from '../readers/csv.reader';
import { readTableInMemory } from '../tables/frequency-table.reader';
import { checkFrequencyTable } from './frequency-table.scan';

const tableOf = async (...rows: (string | number)[][]) => {
  const reading = await readTableInMemory(readCsvRowBatches(textSource(rows.map((r) => r.join(',')).join('\n'))), DEFAULT_POLICY);
  if (reading.kind !== 'table') throw new Error(reading.finding.message);
  return reading.table;
};

const findingsOf = async (rule: RuleName, policy = DEFAULT_POLICY, ...rows: (string | number)[][]): Promise<Finding[]> =>
  checkFrequencyTable(await tableOf(...rows), policy).filter((f) => f.rule === rule);

const positions = (findings: Finding[]): number[][] => findings.flatMap((f) => f.cells.map((c) => [c.row, c.column]));

describe('class disclosure (share 0.90)', () => {
  it('passes a cell holding exactly 0.90 of its row, and fails one holding more', async () => {
    expect(await findingsOf('class-disclosure', DEFAULT_POLICY, ['', 'yes', 'no'], ['a', 90, 10], ['b', 50, 50])).toEqual([]);
    const findings = await findingsOf('class-disclosure', DEFAULT_POLICY, ['', 'yes', 'no'], ['a', 91, 10], ['b', 91, 90]);
    expect(positions(findings)).toEqual([[0, 0]]);
    expect(findings[0].message).toMatch(/^1 cell has more than 0.9 of their row or column total/);
  });

  it('judges columns too, against the published total when there is one', async () => {
    const findings = await findingsOf(
      'class-disclosure',
      DEFAULT_POLICY,
      ['', 'A', 'B', 'Total'],
      ['x', 95, 50, 145],
      ['y', 5, 45, 50],
      ['Total', 100, 95, 195],
    );
    expect(positions(findings)).toEqual([[0, 0]]);
  });

  it('uses the share from the policy', async () => {
    const rows = [
      ['', 'yes', 'no'],
      ['a', 80, 20],
      ['b', 50, 50],
    ];
    expect(await findingsOf('class-disclosure', { ...DEFAULT_POLICY, classDisclosureShare: 0.75 }, ...rows)).toHaveLength(1);
  });
});

describe('secondary suppression', () => {
  const header = ['', 'A', 'B', 'C', 'Total'];

  it('fails a suppressed cell that the row total gives back', async () => {
    const findings = await findingsOf('secondary-suppression', DEFAULT_POLICY, header, ['x', '*', 20, 30, 55], ['y', 20, 20, 20, 60]);
    expect(positions(findings)).toEqual([[0, 0]]);
    expect(findings[0].message).toBe('1 cell is suppressed but not protected: 1 can be recomputed from the totals and the other cells');
  });

  it('follows a chain: one recovered cell gives back the next', async () => {
    // Column A's total recovers (0,0); then row x has a single unknown left, (0,1).
    const rows = [
      ['', 'A', 'B', 'C', 'Total'],
      ['x', '*', '[c]', 30, 55],
      ['y', 20, '*', 20, 60],
      ['z', 15, 20, 20, 55],
      ['Total', 40, '', 70, 170],
    ];
    const findings = await findingsOf('secondary-suppression', DEFAULT_POLICY, ...rows);
    expect(positions(findings)).toEqual([
      [0, 0],
      [0, 1],
      [1, 1],
      [3, 1],
    ]);
  });

  it('passes a pattern where every row and column has two suppressed cells', async () => {
    const rows = [header, ['x', '*', '*', 30, 55], ['y', '*', '*', 20, 60], ['z', 15, 20, 20, 55], ['Total', 40, 60, 70, 170]];
    expect(await findingsOf('secondary-suppression', DEFAULT_POLICY, ...rows)).toEqual([]);
  });

  it('fails the only suppressed cell in a line even when the total alone cannot give it back', async () => {
    // Row x has a text cell, so its equation has two unknowns; the lone suppressed cell still fails.
    const rows = [header, ['x', '<10', 'n/k', 30, 55], ['y', 20, 20, 20, 60]];
    const findings = await findingsOf('secondary-suppression', DEFAULT_POLICY, ...rows);
    expect(positions(findings)).toEqual([[0, 0]]);
    expect(findings[0].message).toMatch(/1 is the only suppressed cell in a row or column/);
  });

  it('does not apply to a table without totals', async () => {
    expect(await findingsOf('secondary-suppression', DEFAULT_POLICY, ['', 'A', 'B'], ['x', '*', 20], ['y', 20, 20])).toEqual([]);
  });
});

describe('frequency table check', () => {
  it('keeps one finding per rule', async () => {
    const table = await tableOf(['', 'A', 'B', 'Total'], ['x', 3, 95, 98], ['y', '*', 40, 45], ['Total', 8, 135, 143]);
    const findings = checkFrequencyTable(table, DEFAULT_POLICY);
    expect(findings.map((f) => f.rule)).toEqual(['threshold', 'class-disclosure', 'secondary-suppression']);
  });
});
