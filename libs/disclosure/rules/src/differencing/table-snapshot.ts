import { isCount } from '../tables/body-cell.parser';
import { isTotalLabel, type FrequencyTable } from '../tables/frequency-table';
import { bandsOf, normalizeLabel, type IntervalAxis } from './interval.label';

/** A published cell: a count, or null for a suppressed or empty cell. */
export type SnapshotCell = number | null;

/**
 * What a released or submitted count table published, as the differencing checks compare it:
 * its labels (margins included) and its cells. Plain JSON, so it can be kept in a ledger.
 */
export type TableSnapshot = {
  rowLabels: string[];
  columnLabels: string[];
  cells: SnapshotCell[][];
};

/** Where a compared table came from; named in the finding's message, never its values. */
export type TableOrigin = {
  /** released: in the ledger; request: another file of the same request; turn: the file's earlier turn; file: a file on disk (CLI). */
  relation: 'released' | 'request' | 'turn' | 'file';
  fileName: string;
  requestId?: string;
  turn?: number;
  releasedAt?: string;
  /** The file's path, for the command line's --against folders. */
  path?: string;
  /** The table within the file: a workbook's sheet (`sheet:<name>`) or an archive's member (`member:<path>`). */
  part?: string;
};

/** How a finding names a part of a file: `sheet "Ages"`, `member "tables/ages.csv"`. */
export const describePart = (part: string): string => {
  const at = part.indexOf(':');
  return at < 0 ? `"${part}"` : `${part.slice(0, at)} "${part.slice(at + 1)}"`;
};

export type ComparedTable = { origin: TableOrigin; table: TableSnapshot };

/**
 * The snapshot of a table read whole, or null when it is not a count table (text cells, or
 * values that are not whole numbers: sums, means, amounts are never compared as counts).
 */
export const snapshotOf = (table: FrequencyTable): TableSnapshot | null => {
  const cells: SnapshotCell[][] = [];
  for (const row of table.body) {
    const out: SnapshotCell[] = [];
    for (const cell of row) {
      if (isCount(cell)) {
        if (!Number.isInteger(cell)) return null;
        out.push(cell);
      } else if (cell.kind === 'suppressed') out.push(null);
      else return null;
    }
    while (out.length < table.columnLabels.length) out.push(null);
    cells.push(out.slice(0, table.columnLabels.length));
  }
  return { rowLabels: [...table.rowLabels], columnLabels: [...table.columnLabels], cells };
};

/** The same table with rows and columns swapped. */
export const transposed = (table: TableSnapshot): TableSnapshot => ({
  rowLabels: table.columnLabels,
  columnLabels: table.rowLabels,
  cells: table.columnLabels.map((_, c) => table.rowLabels.map((__, r) => table.cells[r]?.[c] ?? null)),
});

/**
 * What a ledger indexes a table by, so candidates are found without reading every table: hashes
 * of its row labels and of its column labels (margins left out, each sorted and normalized), of
 * its column labels read as row labels (a one-way table of this table's column totals), and the
 * axis of its rows or columns when they are bands. Tables that can be compared share a key:
 * - overlapping bands by rows: columnKey and rowAxis; by columns: rowKey and columnAxis;
 * - snapshots and subsets: rowKey and columnKey;
 * - linked tables: the other's rowKey is this table's rowKey or columnsAsRowsKey.
 */
export type TableKeys = {
  rowKey: string;
  columnKey: string;
  columnsAsRowsKey: string;
  rowAxis: IntervalAxis | null;
  columnAxis: IntervalAxis | null;
  /** Whether it has suppressed cells (only then can another table recover one). */
  suppressed: boolean;
};

export const tableKeys = (table: TableSnapshot): TableKeys => {
  const inner = (labels: readonly string[]) => labels.filter((l) => !isTotalLabel(l));
  return {
    rowKey: labelKey(inner(table.rowLabels)),
    columnKey: labelKey(inner(table.columnLabels).map(measureLabel)),
    columnsAsRowsKey: labelKey(inner(table.columnLabels)),
    rowAxis: bandsOf(table.rowLabels)?.axis ?? null,
    columnAxis: bandsOf(table.columnLabels)?.axis ?? null,
    suppressed: table.cells.some((row) => row.includes(null)),
  };
};

// Column headers that all mean "the number of people": a one-column table of any of them counts the same thing.
const COUNT_NAMES = new Set(['n', 'count', 'counts', 'frequency', 'freq', 'number', 'total', 'all', 'totals']);

/** A column label as it is matched across tables: the generic count names are one. */
export const measureLabel = (label: string): string => {
  const text = normalizeLabel(label);
  return COUNT_NAMES.has(text) ? 'n' : text;
};

/** A 64-bit FNV-1a hash of the sorted, normalized labels, in hex: short enough to index. */
export const labelKey = (labels: readonly string[]): string => {
  const text = [...new Set(labels.map(normalizeLabel))].sort().join('\u001f');
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
};
