import { DEFAULT_READER_LIMITS, TableReadError, detectTextEncoding, readCsvRowBatches, type ReaderLimits } from '@airlock/disclosure-rules';

/** The cells of a delimited table exactly as the disclosure checks read them, for the viewer. */
export type TableGrid = { kind: 'grid'; rows: string[][]; truncated: boolean } | { kind: 'unreadable'; reason: string; rows: string[][] };

/** Most cells a page ships; past it the grid is cut and says so (docs/design.md, Scale). */
export const MAX_GRID_CELLS = 2_000_000;

/**
 * Reads a frozen CSV or TSV with the same tokenizer, encoding and delimiter choice as the
 * disclosure checks, so a finding's cell is the cell the checker sees. Unreadable bytes give the
 * reader's reason and the rows read before it, never an exception.
 */
export async function readTableGrid(
  head: Uint8Array,
  body: AsyncIterable<Uint8Array>,
  kind: 'csv' | 'tsv',
  maxCells = MAX_GRID_CELLS,
  limits: ReaderLimits = DEFAULT_READER_LIMITS,
): Promise<TableGrid> {
  const encoding = detectTextEncoding(head)?.encoding ?? 'utf-8';
  const rows: string[][] = [];
  let cells = 0;
  try {
    for await (const batch of readCsvRowBatches(body, { encoding, preferredDelimiter: kind === 'tsv' ? '\t' : ',', limits })) {
      for (const row of batch) {
        if (cells + row.length > maxCells) return { kind: 'grid', rows, truncated: true };
        cells += row.length;
        rows.push(row);
      }
    }
  } catch (error) {
    if (error instanceof TableReadError) return { kind: 'unreadable', reason: error.message, rows };
    throw error;
  }
  return { kind: 'grid', rows, truncated: false };
}

const isBlank = (cells: readonly string[]) => cells.every((cell) => cell.trim() === '');

/**
 * Where each body row of the disclosure checks' table lies among the rows read: the checks skip
 * blank rows, take the first row left as the header, and drop a pandas index-name row right under
 * it (libs/disclosure/rules/src/tables/table.reader.ts). Body column c is grid column c + 1 (the
 * row labels come first). Returns grid row indexes by body row, and the header's grid row.
 */
export function bodyRowPositions(rows: readonly string[][]): { header: number | null; body: number[] } {
  let header: number | null = null;
  const body: number[] = [];
  let dataRow = 0;
  rows.forEach((row, at) => {
    if (isBlank(row)) return;
    if (header === null) {
      header = at;
      return;
    }
    const index = dataRow++;
    if (index === 0 && isBlank(row.slice(1))) return;
    body.push(at);
  });
  return { header, body };
}
