import type { DisclosurePolicy } from '../disclosure.policy';
import type { CellRef, Finding } from '../disclosure.types';
import { cellCount, findingFor } from '../finding.text';
import type { MagnitudeCell } from '../magnitude/cell-stats';
import { checkMagnitudeCells } from '../magnitude/magnitude-table.check';
import { secondarySuppressionRule } from '../rules/frequency-table.scan';
import { isCount } from '../tables/body-cell.parser';
import { bodyCells, cellRef, type FrequencyTable } from '../tables/frequency-table';
import type { Evidence, EvidenceRow } from './evidence';

/**
 * A magnitude table (sums, means, ...) judged with its evidence: every published cell needs its
 * evidence line; the magnitude rules (threshold on contributors, p-ratio, nk-dominance, negative,
 * missing, all-same) run on those. Suppressed cells are not published, so they need no evidence;
 * a sum table with totals must still protect them (secondary suppression).
 */
export const checkMagnitudeTable = (table: FrequencyTable, evidence: Evidence, policy: DisclosurePolicy): Finding[] => {
  const lookup = evidenceLookup(table, evidence.rows);
  const cells: MagnitudeCell[] = [];
  const unmatched: CellRef[] = [];
  const text: CellRef[] = [];
  for (const { row, column, cell } of bodyCells(table)) {
    const ref = cellRef(table, row, column);
    if (!isCount(cell)) {
      if (cell.kind === 'text') text.push(ref);
      continue;
    }
    const stats = lookup.cells.get(`${row},${column}`);
    if (stats === undefined) unmatched.push(ref);
    else cells.push({ ref, stats });
  }
  return [
    ...evidence.problems,
    ...(lookup.problem ? [lookup.problem] : []),
    ...checkMagnitudeCells(cells, evidence.statistic, policy),
    ...findingFor(
      'threshold',
      'review',
      unmatched,
      `${cellCount(unmatched.length)} of the table ${unmatched.length === 1 ? 'has' : 'have'} no line in the evidence file, so dominance cannot be judged`,
    ),
    ...findingFor(
      'threshold',
      'review',
      text,
      `${cellCount(text.length)} ${text.length === 1 ? 'is' : 'are'} neither numbers nor suppression marks (spreadsheet formulas or text)`,
    ),
    ...(evidence.statistic === 'sum' ? secondarySuppressionRule(table) : []),
  ];
};

type Lookup = { cells: Map<string, MagnitudeCell['stats']>; problem: Finding | null };

/**
 * Evidence names cells by their labels or by 0-based body positions; each column of the
 * evidence is read one way throughout (positions only when every value is one and some value is
 * not a label), so "3" is never both.
 */
const evidenceLookup = (table: FrequencyTable, rows: EvidenceRow[]): Lookup => {
  const rowIndex = axisIndex(
    table.rowLabels,
    rows.map((r) => r.row),
  );
  const columnIndex = axisIndex(
    table.columnLabels,
    rows.map((r) => r.column),
  );
  const cells = new Map<string, MagnitudeCell['stats']>();
  let strays = 0;
  for (const line of rows) {
    const row = rowIndex(line.row);
    const column = columnIndex(line.column);
    if (row === null || column === null) strays++;
    else cells.set(`${row},${column}`, line.stats);
  }
  const problem: Finding | null =
    strays === 0
      ? null
      : {
          rule: 'file-type',
          verdict: 'review',
          cells: [],
          message: `${strays} evidence line${strays === 1 ? ' names a cell' : 's name cells'} that the table does not have.`,
        };
  return { cells, problem };
};

const axisIndex = (labels: string[], values: string[]): ((value: string) => number | null) => {
  const byLabel = new Map<string, number>();
  labels.forEach((label, i) => {
    if (!byLabel.has(label)) byLabel.set(label, i);
  });
  const isIndex = (v: string): boolean => /^\d+$/.test(v) && Number(v) < labels.length;
  if (!values.every((v) => byLabel.has(v)) && values.every(isIndex)) return (v) => Number(v);
  return (v) => byLabel.get(v) ?? null;
};
