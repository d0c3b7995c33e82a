import type { DisclosurePolicy } from '../disclosure.policy';
import type { CellRef, Finding } from '../disclosure.types';
import { cellCount, cellsHave, findingFor } from '../finding.text';
// The wording of messages is shared; the judgement is not.
import { unreadableReason } from '../rules/threshold.tally';
import { isCount, type BodyCell } from '../tables/body-cell.parser';
import { bodyCells, cellRef, type FrequencyTable } from '../tables/frequency-table';

// The frequency-table rules as first written: whole table in memory, every line built out,
// substitution by sweeping until nothing changes. Too slow and too large for big tables, and
// kept only as the reference the streaming rules (FrequencyTableScan) are checked against.

type Position = readonly [row: number, column: number];

/** A row or column of the table: its inner cells and, when published, the margin they sum to. */
type TableLine = { axis: 'row' | 'column'; index: number; members: Position[]; total: Position | null };

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

const innerRows = (table: FrequencyTable): number[] => range(table.body.length).filter((r) => !table.totalRows.has(r));

const innerColumns = (table: FrequencyTable): number[] => range(table.columnLabels.length).filter((c) => !table.totalColumns.has(c));

/** Every row and every column, margins included, each with the inner cells that add up to its total. */
const tableLines = (table: FrequencyTable): TableLine[] => {
  const [totalColumn] = [...table.totalColumns];
  const [totalRow] = [...table.totalRows];
  const rows = range(table.body.length).map<TableLine>((r) => ({
    axis: 'row',
    index: r,
    members: innerColumns(table).map((c) => [r, c] as const),
    total: totalColumn === undefined ? null : [r, totalColumn],
  }));
  const columns = range(table.columnLabels.length).map<TableLine>((c) => ({
    axis: 'column',
    index: c,
    members: innerRows(table).map((r) => [r, c] as const),
    total: totalRow === undefined ? null : [totalRow, c],
  }));
  return [...rows, ...columns];
};

const cellAt = (table: FrequencyTable, [row, column]: Position): BodyCell => table.body[row][column];

/**
 * Minimum threshold. SDC handbook: a cell with fewer than `threshold` contributors is primary
 * disclosive (ACRO default 10); a zero cell discloses that nobody has the attribute, so it fails
 * while zeros are disclosive. Totals are cells too: a margin under the threshold discloses as much.
 * Empty cells and suppression marks are not counts and are left to the secondary-suppression rule.
 */
const thresholdRule = (table: FrequencyTable, policy: DisclosurePolicy): Finding[] => {
  const failing: CellRef[] = [];
  const unreadable: CellRef[] = [];
  let formulas = 0;
  let fractional = 0;

  for (const { row, column, cell } of bodyCells(table)) {
    if (isCount(cell)) {
      if (!Number.isInteger(cell)) {
        fractional++;
        unreadable.push(cellRef(table, row, column));
      } else if (isBelowThreshold(cell, policy)) {
        failing.push(cellRef(table, row, column));
      }
    } else if (cell.kind === 'text') {
      if (cell.formula) formulas++;
      unreadable.push(cellRef(table, row, column));
    }
  }

  const findings: Finding[] = [];
  if (failing.length > 0) {
    findings.push({
      rule: 'threshold',
      verdict: 'fail',
      cells: failing,
      message: `${cellsHave(failing.length)} fewer than ${policy.threshold} contributors`,
    });
  }
  if (unreadable.length > 0) {
    findings.push({
      rule: 'threshold',
      verdict: 'review',
      cells: unreadable,
      message: `The table could not be read as counts: ${unreadableReason(unreadable.length - fractional, formulas, fractional)}`,
    });
  }
  return findings;
};

const isBelowThreshold = (count: number, policy: DisclosurePolicy): boolean => (count === 0 ? policy.zerosAreDisclosive : count < policy.threshold);

/**
 * Class disclosure. SDC handbook: when (nearly) everyone in a row or column category falls in
 * one cell, the table tells each of them their attribute. A cell holding more than
 * `classDisclosureShare` (default 0.90) of its row or column total fails; exactly the share passes.
 * Margins themselves are not judged (a total holds all of its line by definition).
 */
const classDisclosureRule = (table: FrequencyTable, policy: DisclosurePolicy): Finding[] => {
  const failing = new Map<string, CellRef>();
  for (const line of tableLines(table)) {
    if (line.members.length < 2 || isMargin(table, line)) continue;
    const total = lineTotal(table, line);
    if (total === null || total <= 0) continue;
    for (const position of line.members) {
      const cell = cellAt(table, position);
      if (isCount(cell) && cell / total > policy.classDisclosureShare) {
        failing.set(position.join(','), cellRef(table, ...position));
      }
    }
  }
  const cells = [...failing.values()].sort((a, b) => a.row - b.row || a.column - b.column);
  return findingFor(
    'class-disclosure',
    'fail',
    cells,
    `${cellsHave(cells.length)} more than ${policy.classDisclosureShare} of their row or column total, disclosing the attribute of nearly everyone in that category`,
  );
};

const isMargin = (table: FrequencyTable, line: TableLine): boolean =>
  line.axis === 'row' ? table.totalRows.has(line.index) : table.totalColumns.has(line.index);

/** The published margin, or the sum of the inner cells when all of them are counts. */
const lineTotal = (table: FrequencyTable, line: TableLine): number | null => {
  const published = line.total === null ? null : cellAt(table, line.total);
  if (published !== null && isCount(published)) return published;
  const cells = line.members.map((p) => cellAt(table, p));
  return cells.every(isCount) ? cells.reduce((sum, n) => sum + n, 0) : null;
};

/**
 * Secondary suppression. SDC handbook: with margins published, a suppressed cell that is the only
 * unknown in its row or column equals the total minus the others, and recovering one cell can
 * unlock the next; so every line needs at least two suppressed cells. In a table with totals a
 * suppressed cell fails if it can be recomputed (by repeated substitution) or is the only
 * suppressed cell of its row or column. Interval attacks on marks such as "<10" are not covered.
 */
const secondarySuppressionRule = (table: FrequencyTable): Finding[] => {
  if (table.totalRows.size === 0 && table.totalColumns.size === 0) return [];
  const key = (p: Position): string => p.join(',');
  const lines = tableLines(table).map((line) => (line.total === null ? line.members : [...line.members, line.total]));
  const isSuppressed = (p: Position): boolean => {
    const cell = cellAt(table, p);
    return !isCount(cell) && cell.kind === 'suppressed';
  };

  const known = new Set<string>();
  for (const line of lines) for (const p of line) if (isCount(cellAt(table, p))) known.add(key(p));
  const recovered = new Map<string, Position>();
  const equations = tableLines(table).filter((line) => line.total !== null);
  for (let progress = true; progress;) {
    progress = false;
    for (const line of equations) {
      const unknown = [...line.members, line.total as Position].filter((p) => !known.has(key(p)));
      if (unknown.length !== 1) continue;
      known.add(key(unknown[0]));
      if (isSuppressed(unknown[0])) recovered.set(key(unknown[0]), unknown[0]);
      progress = true;
    }
  }

  const lone = new Map<string, Position>();
  for (const line of lines) {
    const suppressed = line.filter(isSuppressed);
    if (suppressed.length === 1 && !recovered.has(key(suppressed[0]))) lone.set(key(suppressed[0]), suppressed[0]);
  }

  const cells = [...recovered.values(), ...lone.values()].sort(([r1, c1], [r2, c2]) => r1 - r2 || c1 - c2).map((p) => cellRef(table, ...p));
  const parts = [
    recovered.size > 0 ? `${recovered.size} can be recomputed from the totals and the other cells` : '',
    lone.size > 0 ? `${lone.size} ${lone.size === 1 ? 'is' : 'are'} the only suppressed cell in a row or column` : '',
  ].filter(Boolean);
  return findingFor(
    'secondary-suppression',
    'fail',
    cells,
    `${cellCount(cells.length)} ${cells.length === 1 ? 'is' : 'are'} suppressed but not protected: ${parts.join('; ')}`,
  );
};

/** Every rule that can judge a published frequency table on its own. */
export const referenceFrequencyCheck = (table: FrequencyTable, policy: DisclosurePolicy): Finding[] => [
  ...thresholdRule(table, policy),
  ...classDisclosureRule(table, policy),
  ...secondarySuppressionRule(table),
];
