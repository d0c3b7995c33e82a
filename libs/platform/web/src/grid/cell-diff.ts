/** One cell that differs between a file's previous turn and this one (grid coordinates of this turn's file). */
export type CellChange =
  | { kind: 'changed'; row: number; column: number; before: string; after: string }
  | { kind: 'added'; row: number; column: number; after: string }
  | { kind: 'removed'; row: number; column: number; before: string };

export type CellDiff = {
  /** How cells were matched: by row and column labels when both tables have unique labels, else by position. */
  matchedBy: 'labels' | 'position';
  changes: CellChange[];
  /** Whether the list was cut at `limit`. */
  truncated: boolean;
  total: number;
};

const uniqueIndex = (labels: readonly string[]): Map<string, number> | null => {
  const index = new Map<string, number>();
  for (const [at, label] of labels.entries()) {
    const key = label.trim();
    if (index.has(key)) return null;
    index.set(key, at);
  }
  return index;
};

/**
 * A cell-level diff of a resubmitted table against its previous turn. Researchers usually fix a
 * table by suppressing or rounding cells, or by adding and removing rows; when the first row and
 * the first column label the table uniquely, cells are matched by labels so one inserted row does
 * not mark every row after it as changed. Otherwise cells are compared by position.
 */
export function diffGrids(before: readonly string[][], after: readonly string[][], limit = 10_000): CellDiff {
  const changes: CellChange[] = [];
  let total = 0;
  const push = (change: CellChange) => {
    total++;
    if (changes.length < limit) changes.push(change);
  };
  const byLabels = labelMatch(before, after);
  if (byLabels) {
    const { rowsBefore, columnsBefore } = byLabels;
    for (let r = 0; r < after.length; r++) {
      const oldRow = r === 0 ? 0 : rowsBefore.get((after[r][0] ?? '').trim());
      for (let c = 0; c < after[r].length; c++) {
        const oldColumn = c === 0 ? 0 : columnsBefore.get((after[0][c] ?? '').trim());
        const value = after[r][c];
        if (oldRow === undefined || oldColumn === undefined) push({ kind: 'added', row: r, column: c, after: value });
        else if (before[oldRow][oldColumn] === undefined) push({ kind: 'added', row: r, column: c, after: value });
        else if (before[oldRow][oldColumn] !== value) push({ kind: 'changed', row: r, column: c, before: before[oldRow][oldColumn], after: value });
      }
    }
    const rowsAfter = new Set(after.slice(1).map((row) => (row[0] ?? '').trim()));
    const columnsAfter = new Set(after[0].slice(1).map((label) => label.trim()));
    for (let r = 1; r < before.length; r++) {
      const rowGone = !rowsAfter.has((before[r][0] ?? '').trim());
      for (let c = 0; c < before[r].length; c++) {
        const columnGone = c > 0 && !columnsAfter.has((before[0][c] ?? '').trim());
        if (rowGone || columnGone) push({ kind: 'removed', row: r, column: c, before: before[r][c] });
      }
    }
    return { matchedBy: 'labels', changes, truncated: total > changes.length, total };
  }
  const height = Math.max(before.length, after.length);
  for (let r = 0; r < height; r++) {
    const width = Math.max(before[r]?.length ?? 0, after[r]?.length ?? 0);
    for (let c = 0; c < width; c++) {
      const old = before[r]?.[c];
      const value = after[r]?.[c];
      if (old === undefined && value !== undefined) push({ kind: 'added', row: r, column: c, after: value });
      else if (old !== undefined && value === undefined) push({ kind: 'removed', row: r, column: c, before: old });
      else if (old !== value) push({ kind: 'changed', row: r, column: c, before: old ?? '', after: value ?? '' });
    }
  }
  return { matchedBy: 'position', changes, truncated: total > changes.length, total };
}

function labelMatch(before: readonly string[][], after: readonly string[][]) {
  if (before.length < 2 || after.length < 2) return null;
  const rowsBefore = uniqueIndex(before.slice(1).map((row) => row[0] ?? ''));
  const rowsAfter = uniqueIndex(after.slice(1).map((row) => row[0] ?? ''));
  const columnsBefore = uniqueIndex(before[0].slice(1));
  const columnsAfter = uniqueIndex(after[0].slice(1));
  if (!rowsBefore || !rowsAfter || !columnsBefore || !columnsAfter) return null;
  // Indexes of the slices are one less than the grid's.
  const shift = (index: Map<string, number>) => new Map([...index].map(([label, at]) => [label, at + 1]));
  return { rowsBefore: shift(rowsBefore), columnsBefore: shift(columnsBefore) };
}
