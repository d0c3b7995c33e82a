import type { Finding } from '../disclosure.types';
import { cellCount, findingFor } from '../finding.text';
import { cellAt, MAX_LISTED_CELLS } from '../tables/cell-list';
import type { TableHeader, TableRow } from '../tables/table.reader';

// Suppressed and unreadable cells are few in a published table; past this many, working out
// what the totals give back would cost memory in proportion to the table, so a person looks.
export const MAX_UNKNOWN_CELLS = 1_000_000;

/** A row or column through unknown cells; an equation when its total is published. */
type Line = { members: number[]; unknown: number; equation: boolean };
type Lines = { all: Line[]; byPosition: (Line | null)[][] };

/**
 * Secondary suppression. SDC handbook: with margins published, a suppressed cell that is the only
 * unknown in its row or column equals the total minus the others, and recovering one cell can
 * unlock the next; so every line needs at least two suppressed cells. In a table with totals a
 * suppressed cell fails if it can be recomputed (by repeated substitution) or is the only
 * suppressed cell of its row or column. Interval attacks on marks such as "<10" are not covered.
 *
 * Only the cells that are not counts matter (the unknowns), so only they are kept as rows arrive;
 * the substitution runs at the end over those, row by row and column by column.
 */
export class SuppressionLedger {
  // The unknown cells, row-major: position, and whether it is a suppression mark (else text).
  private readonly rows: number[] = [];
  private readonly columns: number[] = [];
  private readonly suppressed: boolean[] = [];
  private readonly rowLabels = new Map<number, string>();
  private readonly totalRows = new Set<number>();
  private firstTotalRow: number | null = null;
  private overflow = false;

  constructor(private readonly header: TableHeader) {}

  row({ index, label, isTotal, cells }: TableRow): void {
    if (isTotal) {
      this.totalRows.add(index);
      this.firstTotalRow ??= index;
    }
    for (let column = 0; column < cells.length; column++) {
      const cell = cells[column];
      if (typeof cell === 'number') continue;
      if (this.rows.length >= MAX_UNKNOWN_CELLS) {
        this.overflow = true;
        return;
      }
      this.rows.push(index);
      this.columns.push(column);
      this.suppressed.push(cell.kind === 'suppressed');
      this.rowLabels.set(index, label);
    }
  }

  findings(): Finding[] {
    if (this.totalRows.size === 0 && this.header.totalColumns.size === 0) return [];
    if (this.overflow) {
      return [
        {
          rule: 'secondary-suppression',
          verdict: 'review',
          cells: [],
          message: `More than ${MAX_UNKNOWN_CELLS} cells are suppressed or not counts, too many to work out whether the totals give them back.`,
        },
      ];
    }
    const lines = this.lines();
    const recovered = this.substitute(lines);
    const lone = new Set<number>();
    for (const { members } of lines.all) {
      const marks = members.filter((p) => this.suppressed[p]);
      if (marks.length === 1 && !recovered.has(marks[0])) lone.add(marks[0]);
    }
    const count = recovered.size + lone.size;
    // Positions are numbered in row-major order, so the first of them are the first cells.
    const listed = [...recovered, ...lone].sort((a, b) => a - b).slice(0, MAX_LISTED_CELLS);
    const parts = [
      recovered.size > 0 ? `${recovered.size} can be recomputed from the totals and the other cells` : '',
      lone.size > 0 ? `${lone.size} ${lone.size === 1 ? 'is' : 'are'} the only suppressed cell in a row or column` : '',
    ].filter(Boolean);
    return findingFor(
      'secondary-suppression',
      'fail',
      listed.map((p) => this.ref(p)),
      `${cellCount(count)} ${count === 1 ? 'is' : 'are'} suppressed but not protected: ${parts.join('; ')}`,
      count,
    );
  }

  /**
   * The unknowns of each row and column line. A row's line is its inner cells plus its cell in
   * the first total column; a column's line is its inner cells plus its cell in the first total row.
   */
  private lines(): Lines {
    const rows = new Map<number, Line>();
    const columns = new Map<number, Line>();
    const rowEquations = this.header.firstTotalColumn !== null;
    const columnEquations = this.firstTotalRow !== null;
    const add = (lines: Map<number, Line>, key: number, equation: boolean, p: number): Line => {
      let line = lines.get(key);
      if (line === undefined) lines.set(key, (line = { members: [], unknown: 0, equation }));
      line.members.push(p);
      line.unknown++;
      return line;
    };
    const { totalColumns, firstTotalColumn } = this.header;
    const byPosition: (Line | null)[][] = [];
    for (let p = 0; p < this.rows.length; p++) {
      const [row, column] = [this.rows[p], this.columns[p]];
      const inRow = !totalColumns.has(column) || column === firstTotalColumn;
      const inColumn = !this.totalRows.has(row) || row === this.firstTotalRow;
      byPosition.push([inRow ? add(rows, row, rowEquations, p) : null, inColumn ? add(columns, column, columnEquations, p) : null]);
    }
    return { all: [...rows.values(), ...columns.values()], byPosition };
  }

  /**
   * Repeated substitution: a line with a total and one unknown gives that unknown back, which
   * may leave another line through it with one unknown. Each line is resolved at most once.
   */
  private substitute({ all, byPosition }: Lines): Set<number> {
    const known = new Set<number>();
    const recovered = new Set<number>();
    const queue = all.filter((line) => line.equation && line.unknown === 1);
    while (queue.length > 0) {
      const line = queue.pop() as Line;
      if (line.unknown !== 1) continue;
      const p = line.members.find((m) => !known.has(m)) as number;
      known.add(p);
      if (this.suppressed[p]) recovered.add(p);
      for (const through of byPosition[p]) {
        if (through === null) continue;
        through.unknown--;
        if (through.equation && through.unknown === 1) queue.push(through);
      }
    }
    return recovered;
  }

  private ref(p: number) {
    const row = this.rows[p];
    const column = this.columns[p];
    return cellAt(row, column, this.rowLabels.get(row) ?? '', this.header.columnLabels[column]);
  }
}
