import { DEFAULT_POLICY, readWorkbook, sheetPlace, type WorkbookPolicy } from '@airlock/disclosure-rules';
import type { CheckFinding } from '@airlock/domain';
import { PageError } from '../web';
import { MAX_GRID_CELLS, type TableGrid } from './table-grid';

/** A sheet link of a workbook's page: its place in the workbook, name, and how many findings name it. */
export type SheetLink = { index: number; name: string; hidden: boolean; findings: number };

/** The sheets of a workbook, the one shown, and the findings that lie on the others. */
export type WorkbookChoice = { sheets: SheetLink[]; current: number; elsewhere: number };

/**
 * The `sheet` query value: absent is the first sheet; anything but a plain sheet number is a 400
 * (a repeated parameter arrives as an array). Whether the number names a sheet is checked once
 * the workbook is read.
 */
export function parseSheetParam(raw: unknown): number {
  if (raw === undefined) return 0;
  if (typeof raw !== 'string' || !/^\d{1,5}$/.test(raw)) throw new PageError(400, 'The sheet must be given as a sheet number from the list.');
  return Number(raw);
}

/**
 * The sheet a finding names, by the place the workbook check writes at the start of its message
 * (sheetPlace); null for a finding about the whole workbook. The longest matching place wins, so a
 * sheet named `a" (hidden)` is not mistaken for a hidden sheet `a`.
 */
export function sheetOfFinding(finding: Pick<CheckFinding, 'message'>, sheets: readonly { name: string; hidden: boolean }[]): number | null {
  let best: { index: number; length: number } | null = null;
  sheets.forEach((sheet, index) => {
    const place = `${sheetPlace(sheet)}: `;
    if (finding.message.startsWith(place) && (best === null || place.length > best.length)) best = { index, length: place.length };
  });
  return (best as { index: number } | null)?.index ?? null;
}

/**
 * The limits the file's check read the workbook under (its recorded policy), so the grid reads the
 * sheets the rules judged; a setting missing or not a positive number falls back to the default.
 */
export function workbookLimits(policy: Record<string, unknown> = {}): WorkbookPolicy {
  const pick = (key: keyof WorkbookPolicy): number => {
    const value = policy[key];
    return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : DEFAULT_POLICY[key];
  };
  return {
    maxTableCells: pick('maxTableCells'),
    archiveMaxEntries: pick('archiveMaxEntries'),
    archiveMaxUncompressedBytes: pick('archiveMaxUncompressedBytes'),
    archiveMaxRatio: pick('archiveMaxRatio'),
    archiveMaxDepth: pick('archiveMaxDepth'),
  };
}

export type WorkbookGrid = { table: TableGrid; findings: CheckFinding[]; workbook: WorkbookChoice | null };

/**
 * One sheet of a frozen workbook for the grid, read by the checks' own reader (its zip-bomb,
 * size and cell limits, under the file's check policy: workbookLimits), cells as the checks see
 * them (a formula as its cached value, text as text). The findings given back are that sheet's
 * and the workbook-wide ones, so the grid marks only its own sheet's cells. A sheet number past
 * the last sheet is a 404.
 */
export async function readWorkbookGrid(
  body: AsyncIterable<Uint8Array>,
  findings: readonly CheckFinding[],
  sheet: number,
  limits: WorkbookPolicy = DEFAULT_POLICY,
  maxCells = MAX_GRID_CELLS,
): Promise<WorkbookGrid> {
  const reading = await readWorkbook(body, limits);
  if (reading.kind === 'unreadable') {
    if (sheet !== 0) throw new PageError(404, 'This workbook has no such sheet.');
    return { table: { kind: 'unreadable', reason: reading.reason, rows: [] }, findings: [...findings], workbook: null };
  }
  const sheets = reading.workbook.sheets();
  if (sheets.length === 0) {
    if (sheet !== 0) throw new PageError(404, 'This workbook has no such sheet.');
    return { table: { kind: 'unreadable', reason: 'the workbook has no sheets', rows: [] }, findings: [...findings], workbook: null };
  }
  const chosen = sheets[sheet];
  if (chosen === undefined) throw new PageError(404, 'This workbook has no such sheet.');
  const placed = findings.map((finding) => ({ finding, on: sheetOfFinding(finding, sheets) }));
  const links = sheets.map((s, index) => ({ index, name: s.name, hidden: s.hidden, findings: placed.filter((p) => p.on === index).length }));
  const workbook = { sheets: links, current: sheet, elsewhere: placed.filter((p) => p.on !== null && p.on !== sheet).length };
  const own = placed.filter((p) => p.on === null || p.on === sheet).map((p) => p.finding);
  if (chosen.tooLarge) return { table: { kind: 'unreadable', reason: 'the sheet has too many cells to show', rows: [] }, findings: own, workbook };
  const rows: string[][] = [];
  let cells = 0;
  for (const row of chosen.rows()) {
    if (cells + row.length > maxCells) return { table: { kind: 'grid', rows, truncated: true }, findings: own, workbook };
    cells += row.length;
    rows.push(row);
  }
  if (reading.workbook.stringsTruncated) {
    return {
      table: { kind: 'unreadable', reason: 'the workbook holds more text than can be read; cells shown as [unread text] were not read', rows },
      findings: own,
      workbook,
    };
  }
  return { table: { kind: 'grid', rows, truncated: false }, findings: own, workbook };
}
