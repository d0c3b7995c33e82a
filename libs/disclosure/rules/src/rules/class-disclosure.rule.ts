import type { DisclosurePolicy } from '../disclosure.policy';
import type { CellRef, Finding } from '../disclosure.types';
import { cellsHave, findingFor } from '../finding.text';
import { isCount } from '../tables/body-cell.parser';
import { cellRef, type FrequencyTable } from '../tables/frequency-table';
import { cellAt, tableLines, type TableLine } from '../tables/table-lines';

/**
 * Class disclosure. SDC handbook: when (nearly) everyone in a row or column category falls in
 * one cell, the table tells each of them their attribute. A cell holding more than
 * `classDisclosureShare` (default 0.90) of its row or column total fails; exactly the share passes.
 * Margins themselves are not judged (a total holds all of its line by definition).
 */
export const classDisclosureRule = (table: FrequencyTable, policy: DisclosurePolicy): Finding[] => {
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
