import type { Finding } from '../disclosure.types';
import { cellCount, findingFor } from '../finding.text';
import { isCount } from '../tables/body-cell.parser';
import { cellRef, type FrequencyTable } from '../tables/frequency-table';
import { cellAt, tableLines, type Position } from '../tables/table-lines';

/**
 * Secondary suppression. SDC handbook: with margins published, a suppressed cell that is the only
 * unknown in its row or column equals the total minus the others, and recovering one cell can
 * unlock the next; so every line needs at least two suppressed cells. In a table with totals a
 * suppressed cell fails if it can be recomputed (by repeated substitution) or is the only
 * suppressed cell of its row or column. Interval attacks on marks such as "<10" are not covered.
 */
export const secondarySuppressionRule = (table: FrequencyTable): Finding[] => {
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
  for (let progress = true; progress; ) {
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

  const cells = [...recovered.values(), ...lone.values()]
    .sort(([r1, c1], [r2, c2]) => r1 - r2 || c1 - c2)
    .map((p) => cellRef(table, ...p));
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
