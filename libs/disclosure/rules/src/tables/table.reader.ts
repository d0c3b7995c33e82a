import type { Finding } from '../disclosure.types';
import { cellText, type RawCell } from '../readers/delimited.tokenizer';
import { parseBodyCell, type BodyCell } from './body-cell.parser';
import { isTotalLabel } from './frequency-table';

/** The header of a two-way table: column labels (the row-label column excluded) and its margins. */
export type TableHeader = {
  columnLabels: readonly string[];
  totalColumns: ReadonlySet<number>;
  /** The margin that the inner columns of each row add up to (the first one labelled Total/All). */
  firstTotalColumn: number | null;
  innerColumns: readonly number[];
};

/** One body row, 0-based among body rows. */
export type TableRow = { index: number; label: string; isTotal: boolean; cells: readonly BodyCell[] };

/**
 * Whoever takes the rows of a table as they are read: the streaming rules, or a collector that
 * keeps the table in memory. A finding returned from `row` stops the reading: the table is not
 * judged, the finding (a review) says why. `row.cells` is lent for the call only: the reader
 * fills the same array with the next row's cells (one array per table, not one per row, spares
 * the garbage collector a table's worth of arrays), so a sink that keeps cells copies them.
 */
export type TableSink = {
  header(header: TableHeader): void;
  row(row: TableRow): Finding | null;
};

/** Rows in batches (readCsvCellBatches), so a table of millions of rows takes few asynchronous steps. */
export type RowBatches = AsyncIterable<readonly (readonly RawCell[])[]> | Iterable<readonly (readonly RawCell[])[]>;

/** Rows one at a time, as batches of one. */
export async function* batchesOf(rows: AsyncIterable<RawCell[]> | Iterable<RawCell[]>): AsyncGenerator<RawCell[][]> {
  for await (const row of rows) yield [row];
}

const MAX_LISTED_ROWS = 10;

/**
 * Reads rows of text as a table (first row column labels, first column row labels) and hands
 * each body row to the sink as soon as it is read, so memory does not grow with the table.
 * Returns null when every row was handed over, or the finding that makes the table unreadable.
 * `watch` sees every row as read, the header and blank rows included (row-level detection).
 */
export const readTable = async (batches: RowBatches, sink: TableSink, watch?: (row: readonly RawCell[]) => void): Promise<Finding | null> => {
  let header: readonly RawCell[] | null = null;
  let bodyRows = 0;
  const ragged: number[] = [];
  let raggedCount = 0;
  let dataRow = 0;
  let stopped: Finding | null = null;
  let cells: BodyCell[] = [];

  for await (const batch of batches)
    for (const raw of batch) {
      watch?.(raw);
      if (isBlank(raw)) continue; // Excel pads sheets with rows of empty cells
      if (header === null) {
        header = trimTrailingEmpty(raw, 0);
        const columnLabels = header.slice(1).map((l) => cellText(l).trim());
        sink.header(tableHeader(columnLabels, new Set(columnLabels.flatMap((label, i) => (isTotalLabel(label) ? [i] : [])))));
        continue;
      }
      const row = trimTrailingEmpty(raw, header.length);
      const index = dataRow++;
      if (row.length !== header.length) {
        raggedCount++;
        if (ragged.length < MAX_LISTED_ROWS) ragged.push(index);
        continue;
      }
      // pandas writes the index name on its own row under the header ("year,,,,"): not data.
      if (index === 0 && isBlank(row.slice(1))) continue;
      // After a ragged row the table cannot be judged; reading goes on only to count them.
      if (raggedCount > 0 || stopped !== null) continue;
      const label = cellText(row[0]).trim();
      // Every row handed over has the header's width, so the array is made once.
      if (cells.length !== row.length - 1) cells = new Array<BodyCell>(row.length - 1);
      for (let i = 1; i < row.length; i++) {
        const cell = row[i];
        // A count read by the tokenizer is its own body cell: no call per cell for most of a table.
        cells[i - 1] = typeof cell === 'number' ? cell : parseBodyCell(cell);
      }
      stopped = sink.row({ index: bodyRows++, label, isTotal: isTotalLabel(label), cells });
      if (stopped !== null) return stopped;
    }

  if (header === null) return unreadable('The file holds no rows, so there is no table to check.');
  if (raggedCount > 0) {
    const listed = ragged.join(', ') + (raggedCount > ragged.length ? ', …' : '');
    const one = raggedCount === 1;
    return unreadable(
      `${raggedCount} row${one ? '' : 's'} of the table (body row${one ? '' : 's'} ${listed}, 0-based) ` +
        `${one ? 'does' : 'do'} not have the ${header.length} cells of the header row, so cells cannot be matched to labels.`,
    );
  }
  if (header.length < 2) return unreadable('The table has a single column: no row labels beside counts.');
  if (bodyRows === 0) return unreadable('The table has a header row but no body rows.');
  return null;
};

/** The header of a table whose margins are the columns `totalColumns`. */
export const tableHeader = (columnLabels: readonly string[], totalColumns: ReadonlySet<number>): TableHeader => {
  const [firstTotalColumn = null] = totalColumns;
  return { columnLabels, totalColumns, firstTotalColumn, innerColumns: columnLabels.flatMap((_, i) => (totalColumns.has(i) ? [] : [i])) };
};

/** A cell with no text but spaces (a count is never blank). */
export const isBlankCell = (cell: RawCell): boolean => typeof cell === 'string' && cell.trim() === '';

const isBlank = (cells: readonly RawCell[]): boolean => cells.every(isBlankCell);

// Spreadsheets write trailing delimiters inconsistently; empty cells past the header width are padding.
const trimTrailingEmpty = (row: readonly RawCell[], width: number): readonly RawCell[] => {
  let end = row.length;
  while (end > Math.max(width, 1) && isBlankCell(row[end - 1])) end--;
  return end === row.length ? row : row.slice(0, end);
};

export const unreadable = (message: string): Finding => ({ rule: 'file-type', verdict: 'review', cells: [], message });
