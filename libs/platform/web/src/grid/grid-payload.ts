import type { CheckFinding, CheckVerdict } from '@airlock/domain';
import { bodyRowPositions } from './table-grid';
import type { WorkbookChoice } from './workbook-grid';

/** What the viewer says about one automated finding: only what the request view already shows a checker. */
export type FindingSummary = {
  index: number;
  rule: string;
  verdict: CheckVerdict;
  message: string;
  /** The policy settings the rule applied (threshold 10, p 0.1, ...). */
  parameters: Record<string, string>;
  /** Cells the finding covers in all; more than `located` when the check listed only the first ones. */
  cellCount: number;
  /** Listed cells that lie in the grid. */
  located: number;
};

/** A flagged cell: grid row, grid column, and the findings (indexes) that flag it. */
export type GridMark = [row: number, column: number, findings: number[]];

export type ColumnStats = {
  column: number;
  /** Body cells holding a number. */
  count: number;
  sum: number;
  /** The smallest number other than 0, or null when there is none. */
  minNonZero: number | null;
  divisibleBy5: number;
  divisibleBy10: number;
};

/** The data a table page ships to its grid (as JSON, never as script). */
export type GridPayload = {
  rows: string[][];
  /** Grid row of the column labels, or null when there is none (an empty file). */
  header: number | null;
  columns: number;
  marks: GridMark[];
  findings: FindingSummary[];
  stats: ColumnStats[];
  truncated: boolean;
  unreadable?: string;
  /** For a workbook: its sheets, the one these rows are, and how many findings lie on the others. */
  workbook?: WorkbookChoice;
};

// The policy settings behind each rule (libs/disclosure/rules/src/disclosure.policy.ts).
const RULE_PARAMETERS: Record<string, string[]> = {
  threshold: ['threshold', 'zerosAreDisclosive'],
  'p-ratio': ['p'],
  'nk-dominance': ['nkN', 'nkK'],
  'class-disclosure': ['classDisclosureShare'],
  rounding: ['rounding'],
  dof: ['minResidualDof'],
  missing: ['checkMissingValues'],
  'secondary-suppression': ['threshold'],
};

export function ruleParameters(rule: string, policy: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries((RULE_PARAMETERS[rule] ?? []).filter((key) => key in policy).map((key) => [key, String(policy[key])]));
}

// A number as a table prints it: optional sign, digits, optional decimals (no thousands separators).
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

export function parseNumber(cell: string): number | null {
  const text = cell.trim();
  return NUMBER.test(text) ? Number(text) : null;
}

/** Count, sum, smallest non-zero and multiples of 5 and 10 of each column over the body rows. */
export function columnStats(rows: readonly string[][], bodyRows: readonly number[], columns: number): ColumnStats[] {
  const stats: ColumnStats[] = Array.from({ length: columns }, (_, column) => ({
    column,
    count: 0,
    sum: 0,
    minNonZero: null,
    divisibleBy5: 0,
    divisibleBy10: 0,
  }));
  for (const at of bodyRows) {
    const row = rows[at];
    for (let column = 0; column < row.length && column < columns; column++) {
      const value = parseNumber(row[column]);
      if (value === null) continue;
      const s = stats[column];
      s.count++;
      s.sum += value;
      if (value !== 0 && (s.minNonZero === null || value < s.minNonZero)) s.minNonZero = value;
      if (Number.isInteger(value) && value % 5 === 0) s.divisibleBy5++;
      if (Number.isInteger(value) && value % 10 === 0) s.divisibleBy10++;
    }
  }
  return stats;
}

/**
 * The grid of a frozen table with its findings laid on it: a finding's body cell (row r, column c,
 * labels excluded) is grid row bodyRows[r], grid column c + 1. Findings of another part (a sheet
 * of a workbook, a member of an archive) or with no cells are listed but mark nothing.
 */
export function gridPayload(
  rows: string[][],
  findings: readonly CheckFinding[],
  policy: Record<string, unknown>,
  options: { truncated?: boolean; unreadable?: string; workbook?: WorkbookChoice } = {},
): GridPayload {
  const { header, body } = bodyRowPositions(rows);
  const columns = rows.reduce((widest, row) => Math.max(widest, row.length), 0);
  const byCell = new Map<string, GridMark>();
  const summaries = findings.map((finding, index): FindingSummary => {
    let located = 0;
    for (const cell of finding.cells) {
      const row = body[cell.row];
      const column = cell.column + 1;
      if (row === undefined || column >= (rows[row]?.length ?? 0)) continue;
      located++;
      const key = `${row}:${column}`;
      const mark = byCell.get(key) ?? [row, column, []];
      if (!mark[2].includes(index)) mark[2].push(index);
      byCell.set(key, mark);
    }
    return {
      index,
      rule: finding.rule,
      verdict: finding.verdict,
      message: finding.message,
      parameters: ruleParameters(finding.rule, policy),
      cellCount: Math.max(finding.cellCount ?? 0, finding.cells.length),
      located,
    };
  });
  const marks = [...byCell.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return {
    rows,
    header,
    columns,
    marks,
    findings: summaries,
    stats: columnStats(rows, body, columns),
    truncated: options.truncated ?? false,
    ...(options.unreadable ? { unreadable: options.unreadable } : {}),
    ...(options.workbook ? { workbook: options.workbook } : {}),
  };
}

/** JSON safe to place in a `<script type="application/json">` block: no `<`, so no `</script>` can end it early. */
export function jsonForHtml(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
