import type { GridPayload } from './grid-payload';

/** Rows of the server-rendered preview; with JavaScript on, the virtualised grid shows every row. */
export const PREVIEW_ROWS = 200;

/**
 * What a file page's template (views/web-table-grid.njk) needs of a grid: the findings with the
 * first cells each flags, column statistics and labels, and the first rows as a plain table with
 * the findings on their cells, so the page is whole without its script.
 */
export function gridPageOf(grid: GridPayload, previewRows = PREVIEW_ROWS) {
  const marked = new Map(grid.marks.map(([row, column, findings]) => [`${row}:${column}`, findings]));
  return {
    header: grid.header,
    columns: grid.columns,
    truncated: grid.truncated,
    unreadable: grid.unreadable,
    workbook: grid.workbook,
    rowCount: grid.rows.length,
    findings: grid.findings.map((f) => ({ ...f, cells: grid.marks.filter((m) => m[2].includes(f.index)).slice(0, 50) })),
    stats: grid.stats,
    labels: grid.header === null ? [] : grid.rows[grid.header],
    preview: grid.rows.slice(0, previewRows).map((cells, row) => ({
      row,
      cells: Array.from({ length: grid.columns }, (_, column) => ({ value: cells[column] ?? '', findings: marked.get(`${row}:${column}`) ?? [] })),
    })),
    previewCut: grid.rows.length > previewRows,
  };
}
