import type { CellRef, Finding } from '../disclosure.types';
import { cellText, type RawCell } from '../readers/delimited.tokenizer';

type Signal = 'e-mail addresses' | 'UK postcodes' | 'NHS numbers with a valid checksum' | 'dates of birth' | 'unique identifiers';

type ColumnState = {
  label: string;
  values: number;
  matches: Record<'email' | 'postcode' | 'nhs' | 'date', number>;
  /** Only for identifier-named columns, the only ones where one value per row is a signal. */
  distinct: Set<string> | null;
  firstRow: number | null;
};

const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[a-z]{2,}$/i;
const UK_POSTCODE = /^(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})$/i;
const DATE = /^(\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4})$/;
const BIRTH_HEADER = /(^|[^a-z])(dob|birth|born)/i;
const ID_HEADER = /(^|[_\s])(id|identifier|nhs|chi|mrn)($|[_\s])|^(patient|person|subject|participant|pupil)/i;
const MIN_VALUES = 5;
const SHARE = 0.8;
const MIN_ID_ROWS = 20;
const DISTINCT_CAP = 10_000; // bounded memory: enough to tell "one value per row" from a category
const A = 0x41;
const Z = 0x5a;
const LOWER_A = 0x61;
const LOWER_Z = 0x7a;
const ZERO = 0x30;
const NINE = 0x39;

/** NHS numbers: 10 digits, the last a modulus-11 check digit (NHS Data Dictionary). */
export const isValidNhsNumber = (raw: string): boolean => {
  const digits = raw.replace(/[\s-]/g, '');
  if (!/^\d{10}$/.test(digits)) return false;
  const sum = [...digits.slice(0, 9)].reduce((acc, d, i) => acc + Number(d) * (10 - i), 0);
  const check = 11 - (sum % 11);
  return check !== 10 && (check === 11 ? 0 : check) === Number(digits[9]);
};

/**
 * The patterns a value could match, tried only when its length and first character allow: a
 * table of counts has hundreds of millions of cells and none of them is an e-mail address.
 */
const observeValue = (value: string, column: ColumnState): void => {
  const n = value.length;
  const first = value.charCodeAt(0);
  const digitFirst = first >= ZERO && first <= NINE;
  const letterFirst = (first >= A && first <= Z) || (first >= LOWER_A && first <= LOWER_Z);
  if (n >= 6 && value.includes('@') && EMAIL.test(value)) column.matches.email++;
  if (letterFirst && n >= 5 && n <= 8 && UK_POSTCODE.test(value)) column.matches.postcode++;
  if (digitFirst && n >= 10 && n <= 14 && isValidNhsNumber(value)) column.matches.nhs++;
  if (digitFirst && n >= 8 && n <= 10 && DATE.test(value)) column.matches.date++;
  if (column.distinct !== null && column.distinct.size < DISTINCT_CAP) column.distinct.add(value);
};

/**
 * Row-level data. SDC handbook: microdata never leaves a TRE as an output. Watches the rows of a
 * delimited file (streaming, bounded memory) for columns of direct identifiers: e-mail addresses,
 * postcodes, valid NHS numbers, dates of birth, or an identifier-named column with one value per row.
 */
export class RowLevelDetector {
  private columns: ColumnState[] = [];
  // Counts (RawCell numbers) are most cells and none of the patterns, so a count costs one typeof:
  // per column, the body rows that held something else there (text, nothing, or no cell in a short
  // row) are tallied instead, and the rows before the first count. A column's counts are the body
  // rows less the others; they are merged into the column states at the end.
  private notCounts = new Float64Array(0);
  private beforeFirstCount = new Float64Array(0);
  /** Columns whose distinct values are kept (identifier-named): their counts take the full path. */
  private distinctColumns = new Uint8Array(0);
  private distinctIndices: number[] = [];
  private rows = 0;

  observe(row: readonly RawCell[]): void {
    if (this.columns.length === 0 && this.rows === 0) {
      this.columns = row.map((raw) => {
        const label = cellText(raw).trim();
        return { label, values: 0, matches: { email: 0, postcode: 0, nhs: 0, date: 0 }, distinct: ID_HEADER.test(label) ? new Set() : null, firstRow: null };
      });
      this.notCounts = new Float64Array(this.columns.length);
      this.beforeFirstCount = new Float64Array(this.columns.length);
      this.distinctColumns = Uint8Array.from(this.columns, (column) => (column.distinct === null ? 0 : 1));
      this.distinctIndices = this.columns.flatMap((column, i) => (column.distinct === null ? [] : [i]));
      this.rows++;
      return;
    }
    const body = this.rows++ - 1;
    const columns = this.columns.length;
    const width = Math.min(row.length, columns);
    for (let i = 0; i < width; i++) {
      const raw = row[i];
      if (typeof raw === 'number') continue;
      this.notCount(i, body);
      this.observeCell(raw, i, body);
    }
    for (let i = width; i < columns; i++) this.notCount(i, body);
    // Counts in identifier-named columns are distinct values to count: the full path.
    for (const i of this.distinctIndices) {
      if (i < width && typeof row[i] === 'number') this.observeCell(row[i], i, body);
    }
  }

  private notCount(i: number, body: number): void {
    if (this.distinctColumns[i] === 1) return;
    // Every body row so far held no count here: the first count is later still.
    if (this.notCounts[i] === body) this.beforeFirstCount[i] = body + 1;
    this.notCounts[i]++;
  }

  /** A cell the flat tallies do not cover: text, or a count in an identifier-named column. */
  private observeCell(raw: RawCell, i: number, body: number): void {
    const column = this.columns[i];
    if (typeof raw === 'number') {
      // Only a distinct value to count.
      column.values++;
      column.firstRow ??= body;
      if (column.distinct !== null && column.distinct.size < DISTINCT_CAP) column.distinct.add(String(raw));
      return;
    }
    const value = raw.trim();
    if (value === '') return;
    column.values++;
    column.firstRow ??= body;
    observeValue(value, column);
  }

  findings(): Finding[] {
    const bodyRows = Math.max(0, this.rows - 1);
    const columns = this.columns.map((column, i) => {
      const counts = column.distinct === null ? bodyRows - this.notCounts[i] : 0;
      return counts === 0 ? column : { ...column, values: column.values + counts, firstRow: Math.min(column.firstRow ?? Infinity, this.beforeFirstCount[i]) };
    });
    const flagged = columns.flatMap((column, index) => {
      const signal = this.signalOf(column);
      return signal === null ? [] : [{ column, index, signal }];
    });
    if (flagged.length === 0) return [];
    // Cells point at the first value of each identifying column; row 0 is the first row under the header.
    const cells: CellRef[] = flagged.map(({ column, index }) => ({ row: column.firstRow ?? 0, column: index, columnLabel: column.label }));
    const reasons = flagged.map(({ column, signal }) => `column "${column.label}" holds ${signal}`).join('; ');
    return [{ rule: 'row-level', verdict: 'fail', cells, message: `The file looks like row-level data: ${reasons}` }];
  }

  private signalOf(column: ColumnState): Signal | null {
    const mostly = (n: number): boolean => column.values >= MIN_VALUES && n / column.values >= SHARE;
    if (mostly(column.matches.email)) return 'e-mail addresses';
    if (mostly(column.matches.nhs)) return 'NHS numbers with a valid checksum';
    if (mostly(column.matches.postcode)) return 'UK postcodes';
    if (mostly(column.matches.date) && BIRTH_HEADER.test(column.label)) return 'dates of birth';
    const bodyRows = this.rows - 1;
    const distinct = column.distinct?.size ?? 0;
    const oneValuePerRow = column.values >= MIN_ID_ROWS && distinct >= Math.min(DISTINCT_CAP, column.values) * 0.95;
    if (ID_HEADER.test(column.label) && oneValuePerRow && bodyRows >= MIN_ID_ROWS) return 'unique identifiers';
    return null;
  }
}
