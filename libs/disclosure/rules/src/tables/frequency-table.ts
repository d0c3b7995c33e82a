import type { CellRef } from '../disclosure.types';
import type { BodyCell } from './body-cell.parser';

/**
 * A two-way table as researchers export it: the first row holds the column labels, the first
 * column the row labels, the rest is the body. Rows and columns labelled Total/All are margins.
 */
export type FrequencyTable = {
  columnLabels: string[];
  rowLabels: string[];
  body: BodyCell[][];
  totalRows: ReadonlySet<number>;
  totalColumns: ReadonlySet<number>;
};

// pandas margins are "All"; SPSS, Stata and Excel write "Total".
const TOTAL_LABEL = /^(total|totals|grand total|all|overall)$/i;

export const isTotalLabel = (label: string): boolean => TOTAL_LABEL.test(label.trim());

export const cellRef = (table: FrequencyTable, row: number, column: number): CellRef => ({
  row,
  column,
  rowLabel: table.rowLabels[row],
  columnLabel: table.columnLabels[column],
});

/** Every body cell, row by row. */
export function* bodyCells(table: FrequencyTable): Generator<{ row: number; column: number; cell: BodyCell }> {
  for (let row = 0; row < table.body.length; row++) {
    const cells = table.body[row];
    for (let column = 0; column < cells.length; column++) yield { row, column, cell: cells[column] };
  }
}
