import type { DisclosurePolicy } from '../disclosure.policy';
import type { CellRef, Finding } from '../disclosure.types';
import { cellsHave, findingFor } from '../finding.text';
import { cellAt, CellList, firstCells } from '../tables/cell-list';
import type { TableHeader, TableRow } from '../tables/table.reader';

/** One of the largest inner cells of a column, kept until the column's total is known. */
type Candidate = { value: number; row: number; rowLabel: string; failedInRow: boolean };

type ColumnLine = {
  allCounts: boolean;
  /** The published margin: this column's cell in the first total row, when it is a count. */
  published: number | null;
  /** The largest cells, largest first; at most `keep`. */
  largest: Candidate[];
};

// More candidates than these would cost more memory than the rule is worth (a tiny share on a
// table 100,000 columns wide); past them a count can only be a lower bound, which the finding says.
const MAX_CANDIDATES = 1000;
const MAX_CANDIDATES_IN_ALL = 1_000_000;

/**
 * Class disclosure. SDC handbook: when (nearly) everyone in a row or column category falls in
 * one cell, the table tells each of them their attribute. A cell holding more than
 * `classDisclosureShare` (default 0.90) of its row or column total fails; exactly the share passes.
 * Margins themselves are not judged (a total holds all of its line by definition).
 *
 * Rows are judged as they arrive. A column's total is known only at the end, so each column keeps
 * its largest cells: at most 1/share non-negative cells can each hold more than `share` of a
 * total, so floor(1/share) + 1 candidates hold every cell that can fail (one is enough at the
 * default share). Memory grows with the columns, never with the rows.
 */
export class ClassDisclosureTally {
  private readonly rowFailures = new CellList();
  /** One per inner column, in the order of header.innerColumns. */
  private readonly lines: ColumnLine[];
  // Per inner column, touched by every cell, so kept flat: the sum of the column's counts, the
  // smallest of its kept largest cells once `keep` are kept (below it no candidate is made), and
  // the largest value that did not fit among them.
  private readonly sums: Float64Array;
  private readonly floors: Float64Array;
  private readonly dropped: Float64Array;
  private readonly keep: number;
  /** Inner columns whose cell of the current row is to be offered as a candidate. */
  private readonly offered: Int32Array;
  private innerRows = 0;
  private totalRowSeen = false;

  constructor(
    private readonly policy: Pick<DisclosurePolicy, 'classDisclosureShare'>,
    private readonly header: TableHeader,
  ) {
    const perColumn = Math.floor(MAX_CANDIDATES_IN_ALL / Math.max(1, header.innerColumns.length));
    this.keep = Math.max(1, Math.min(MAX_CANDIDATES, perColumn, Math.floor(1 / policy.classDisclosureShare) + 1));
    this.lines = header.innerColumns.map(() => ({ allCounts: true, published: null, largest: [] }));
    this.sums = new Float64Array(header.innerColumns.length);
    this.floors = new Float64Array(header.innerColumns.length).fill(-Infinity);
    this.dropped = new Float64Array(header.innerColumns.length).fill(-Infinity);
    this.offered = new Int32Array(header.innerColumns.length);
  }

  /**
   * One pass over the row's inner cells feeds the column lines and finds the row total and the
   * row's largest cell; the row's own cells are judged against its total only when that largest
   * cell is over the share (else none is), and the candidates are made after, knowing which failed.
   */
  row(row: TableRow): void {
    if (row.isTotal) {
      if (!this.totalRowSeen) this.publishColumnTotals(row);
      this.totalRowSeen = true;
      return;
    }
    this.innerRows++;
    const inner = this.header.innerColumns;
    const { cells } = row;
    const { sums, floors, dropped, offered, lines } = this;
    let offers = 0;
    let sum = 0;
    let largest = -Infinity;
    let allCounts = true;
    for (let i = 0; i < inner.length; i++) {
      const cell = cells[inner[i]];
      if (typeof cell !== 'number') {
        allCounts = false;
        lines[i].allCounts = false;
        continue;
      }
      sum += cell;
      if (cell > largest) largest = cell;
      sums[i] += cell;
      // Most cells are not among the largest: no candidate is made for them.
      if (cell > floors[i]) offered[offers++] = i;
      else if (cell > dropped[i]) dropped[i] = cell;
    }
    const failedHere = this.judgeRow(row, rowTotal(cells, this.header.firstTotalColumn, allCounts ? sum : null), largest);
    for (let k = 0; k < offers; k++) {
      const i = offered[k];
      const column = inner[i];
      const value = cells[column] as number;
      this.offer(i, { value, row: row.index, rowLabel: row.label, failedInRow: failedHere.length > 0 && failedHere.includes(column) });
    }
  }

  findings(): Finding[] {
    const share = this.policy.classDisclosureShare;
    const fromColumns: CellRef[] = [];
    let lowerBound = false;
    this.lines.forEach((line, i) => {
      const column = this.header.innerColumns[i];
      if (this.innerRows < 2) return;
      const total = line.published ?? (line.allCounts ? this.sums[i] : null);
      if (total === null || total <= 0) return;
      for (const c of line.largest) {
        if (c.value / total > share && !c.failedInRow) fromColumns.push(cellAt(c.row, column, c.rowLabel, this.header.columnLabels[column]));
      }
      // Totals smaller than their cells (or negative counts) can make more cells fail than were kept.
      if (this.dropped[i] / total > share) lowerBound = true;
    });
    const count = this.rowFailures.count + fromColumns.length;
    const atLeast = lowerBound ? ' (at least: a column total is smaller than its largest cells)' : '';
    return findingFor(
      'class-disclosure',
      'fail',
      firstCells([this.rowFailures.listed, fromColumns]),
      `${cellsHave(count)} more than ${share} of their row or column total, disclosing the attribute of nearly everyone in that category${atLeast}`,
      count,
    );
  }

  /** The row's inner cells against the row total (null when unknown); returns the columns that failed. */
  private judgeRow({ index, label, cells }: TableRow, total: number | null, largest: number): number[] {
    const inner = this.header.innerColumns;
    const share = this.policy.classDisclosureShare;
    if (inner.length < 2 || total === null || total <= 0 || !(largest / total > share)) return [];
    const failed: number[] = [];
    for (const column of inner) {
      const cell = cells[column];
      if (typeof cell === 'number' && cell / total > share) {
        failed.push(column);
        this.rowFailures.add(index, column, label, this.header.columnLabels[column]);
      }
    }
    return failed;
  }

  private publishColumnTotals(row: TableRow): void {
    this.lines.forEach((line, i) => {
      const cell = row.cells[this.header.innerColumns[i]];
      line.published = typeof cell === 'number' ? cell : null;
    });
  }

  /** Inserts a cell larger than the smallest kept (or while there is room), dropping the smallest past `keep`. */
  private offer(i: number, candidate: Candidate): void {
    const line = this.lines[i];
    const largest = line.largest;
    let at = largest.length;
    while (at > 0 && largest[at - 1].value < candidate.value) at--;
    largest.splice(at, 0, candidate);
    if (largest.length > this.keep) this.dropped[i] = Math.max(this.dropped[i], (largest.pop() as Candidate).value);
    if (largest.length === this.keep) this.floors[i] = largest[largest.length - 1].value;
  }
}

/** The published margin when it is a count, else the sum of the inner cells (null when some are not counts). */
const rowTotal = (cells: TableRow['cells'], totalColumn: number | null, innerSum: number | null): number | null => {
  const published = totalColumn === null ? null : cells[totalColumn];
  return typeof published === 'number' ? published : innerSum;
};
