import type { BodyCell } from './body-cell.parser';
import type { FrequencyTable } from './frequency-table';

export type Position = readonly [row: number, column: number];

/** A row or column of the table: its inner cells and, when published, the margin they sum to. */
export type TableLine = { axis: 'row' | 'column'; index: number; members: Position[]; total: Position | null };

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export const innerRows = (table: FrequencyTable): number[] => range(table.body.length).filter((r) => !table.totalRows.has(r));

export const innerColumns = (table: FrequencyTable): number[] =>
  range(table.columnLabels.length).filter((c) => !table.totalColumns.has(c));

/** Every row and every column, margins included, each with the inner cells that add up to its total. */
export const tableLines = (table: FrequencyTable): TableLine[] => {
  const [totalColumn] = [...table.totalColumns];
  const [totalRow] = [...table.totalRows];
  const rows = range(table.body.length).map<TableLine>((r) => ({
    axis: 'row',
    index: r,
    members: innerColumns(table).map((c) => [r, c] as const),
    total: totalColumn === undefined ? null : [r, totalColumn],
  }));
  const columns = range(table.columnLabels.length).map<TableLine>((c) => ({
    axis: 'column',
    index: c,
    members: innerRows(table).map((r) => [r, c] as const),
    total: totalRow === undefined ? null : [totalRow, c],
  }));
  return [...rows, ...columns];
};

export const cellAt = (table: FrequencyTable, [row, column]: Position): BodyCell => table.body[row][column];
