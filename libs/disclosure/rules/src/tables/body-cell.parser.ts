import type { RawCell } from '../readers/delimited.tokenizer';

export type SuppressedCell = { kind: 'suppressed'; empty: boolean };
export type TextCell = { kind: 'text'; formula: boolean };
/** A body cell: a number, a suppression mark, or text that is neither. Text content is not kept. */
export type BodyCell = number | SuppressedCell | TextCell;

const EMPTY: SuppressedCell = Object.freeze({ kind: 'suppressed', empty: true });
const MARK: SuppressedCell = Object.freeze({ kind: 'suppressed', empty: false });
const TEXT: TextCell = Object.freeze({ kind: 'text', formula: false });
const FORMULA: TextCell = Object.freeze({ kind: 'text', formula: true });

const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const GROUPED_NUMBER = /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/;

// Marks that statistical offices and ACRO use for suppressed or unavailable cells
// (ONS/GSS: [c] confidential, [x] not available, [z] not applicable; ACRO writes NaN or blank).
const MARKS = new Set([
  '*',
  '**',
  '***',
  'x',
  'c',
  '[c]',
  '[x]',
  '[z]',
  '[u]',
  '[low]',
  '..',
  '.',
  '-',
  '–',
  '—',
  ':',
  '~',
  'n/a',
  'na',
  'nan',
  'suppressed',
  'supp',
  'redacted',
]);
const BELOW_MARK = /^(<|<=|≤)\s*\d+(\.\d+)?$/;

// OWASP CSV injection: a spreadsheet evaluates cells that start with these characters.
const FORMULA_START = /^[=+\-@]/;

// A count written as plain digits is most of any table: read it without a regular expression.
// 15 digits stay exact in a double.
const plainDigits = (raw: string): number | null => {
  const n = raw.length;
  if (n === 0 || n > 15) return null;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const digit = raw.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return null;
    value = value * 10 + digit;
  }
  return value;
};

export const parseBodyCell = (raw: RawCell): BodyCell => {
  // The tokenizer read it as a count already.
  if (typeof raw === 'number') return raw;
  const digits = plainDigits(raw);
  if (digits !== null) return digits;
  const text = raw.trim();
  if (text === '') return EMPTY;
  if (PLAIN_NUMBER.test(text)) return Number(text);
  if (GROUPED_NUMBER.test(text)) return Number(text.replace(/,/g, ''));
  const lower = text.toLowerCase();
  if (MARKS.has(lower) || BELOW_MARK.test(lower)) return MARK;
  if (FORMULA_START.test(text) || FORMULA_START.test(raw)) return FORMULA;
  return TEXT;
};

export const isCount = (cell: BodyCell): cell is number => typeof cell === 'number';
