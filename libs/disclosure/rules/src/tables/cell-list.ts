import type { CellRef } from '../disclosure.types';

/**
 * How many cells a finding names. A 1 GiB table can fail millions of cells; listing them would
 * make events too large for the broker (Kafka's default limit is 1 MB) and no checker reads
 * past the first screens. The count is always exact; only the list is cut.
 */
export const MAX_LISTED_CELLS = 200;

// Labels come from the file and may be long; a cell reference needs only enough to find the cell.
const MAX_LABEL_CHARS = 120;

const shortLabel = (label: string): string => (label.length <= MAX_LABEL_CHARS ? label : `${label.slice(0, MAX_LABEL_CHARS - 1)}…`);

export const cellAt = (row: number, column: number, rowLabel: string, columnLabel: string): CellRef => ({
  row,
  column,
  rowLabel: shortLabel(rowLabel),
  columnLabel: shortLabel(columnLabel),
});

/** The cells a rule found, in the order found: every one counted, the first MAX_LISTED_CELLS kept. */
export class CellList {
  private readonly kept: CellRef[] = [];
  private total = 0;

  constructor(private readonly limit = MAX_LISTED_CELLS) {}

  get count(): number {
    return this.total;
  }

  get listed(): readonly CellRef[] {
    return this.kept;
  }

  /** Adds a cell; its reference is only built while there is room to list it (no closure: this runs per cell). */
  add(row: number, column: number, rowLabel: string, columnLabel: string): void {
    this.total++;
    if (this.kept.length < this.limit) this.kept.push(cellAt(row, column, rowLabel, columnLabel));
  }
}

/** The first `limit` cells of several row-major lists, merged in row-major order. */
export const firstCells = (lists: readonly (readonly CellRef[])[], limit = MAX_LISTED_CELLS): CellRef[] =>
  lists
    .flat()
    .sort((a, b) => a.row - b.row || a.column - b.column)
    .slice(0, limit);
