import type { DisclosurePolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';
import { parseBodyCell, type BodyCell } from './body-cell.parser';
import { isTotalLabel, type FrequencyTable } from './frequency-table';

export type TableReading = { kind: 'table'; table: FrequencyTable } | { kind: 'unreadable'; finding: Finding };

const MAX_LISTED_ROWS = 10;

/**
 * Reads rows into a frequency table: first row column labels, first column row labels. Stops
 * early (bounded memory) when the table exceeds the policy's maxTableCells.
 */
export const readFrequencyTable = async (
  rows: AsyncIterable<string[]>,
  policy: Pick<DisclosurePolicy, 'maxTableCells'>,
): Promise<TableReading> => {
  let header: string[] | null = null;
  const rowLabels: string[] = [];
  const body: BodyCell[][] = [];
  const ragged: number[] = [];
  let raggedCount = 0;
  let dataRow = 0;

  for await (const raw of rows) {
    if (raw.every((cell) => cell.trim() === '')) continue; // Excel pads sheets with rows of empty cells
    if (header === null) {
      header = trimTrailingEmpty(raw, 0);
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
    if (index === 0 && row.slice(1).every((cell) => cell.trim() === '')) continue;
    rowLabels.push(row[0].trim());
    body.push(row.slice(1).map(parseBodyCell));
    if (body.length * (header.length - 1) > policy.maxTableCells) {
      return unreadable(`The table has more than ${policy.maxTableCells} cells (policy maxTableCells), too many to check automatically.`);
    }
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
  if (body.length === 0) return unreadable('The table has a header row but no body rows.');

  const columnLabels = header.slice(1).map((l) => l.trim());
  return {
    kind: 'table',
    table: {
      columnLabels,
      rowLabels,
      body,
      totalRows: indexesWhere(rowLabels, isTotalLabel),
      totalColumns: indexesWhere(columnLabels, isTotalLabel),
    },
  };
};

// Spreadsheets write trailing delimiters inconsistently; empty cells past the header width are padding.
const trimTrailingEmpty = (row: string[], width: number): string[] => {
  let end = row.length;
  while (end > Math.max(width, 1) && row[end - 1].trim() === '') end--;
  return end === row.length ? row : row.slice(0, end);
};

const indexesWhere = (labels: string[], test: (label: string) => boolean): ReadonlySet<number> =>
  new Set(labels.flatMap((label, i) => (test(label) ? [i] : [])));

const unreadable = (message: string): TableReading => ({
  kind: 'unreadable',
  finding: { rule: 'file-type', verdict: 'review', cells: [], message },
});
