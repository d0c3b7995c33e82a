import type { Finding } from '../disclosure.types';
import { cellText, type RawCell } from '../readers/delimited.tokenizer';
import { isTotalLabel } from '../tables/frequency-table';

// Header words of tables whose cells are sums, means or amounts rather than counts of people.
const MAGNITUDE_WORDS = new Set([
  'sum',
  'mean',
  'median',
  'average',
  'avg',
  'income',
  'incomes',
  'cost',
  'costs',
  'amount',
  'amounts',
  'salary',
  'salaries',
  'spend',
  'spending',
  'value',
  'values',
  'price',
  'prices',
  'revenue',
  'earnings',
  'wage',
  'wages',
]);
// "total" alone is not a sign: nearly every count table has a Total margin, and "total admissions"
// is a count. With another word of the list ("total cost") the other word decides.
const CURRENCY = /[£$€¥₹]/;
const FRACTION = /^[+-]?\d*\.\d*[1-9]\d*$/;
const WHOLE_OR_GROUPED = /^[+-]?\d{1,3}(,\d{3})*(\.\d+)?$|^[+-]?\d+(\.\d+)?$/;

/**
 * Watches a table read without evidence for signs that its cells are magnitudes (a header word
 * such as mean, income or cost, a currency sign in a header or a cell, or a cell that is not a
 * whole number): dominance cannot be checked without evidence, and counting rules must not pass
 * it. Keeps no cell values.
 */
export class MagnitudeHintDetector {
  private header: string[] | null = null;
  private reason: string | null = null;

  observe(raw: readonly RawCell[]): void {
    if (this.reason !== null) return;
    if (this.header === null) {
      const row = raw.map(cellText);
      if (row.every((cell) => cell.trim() === '')) return;
      this.header = row;
      const label = row.find((cell) => this.isMagnitudeLabel(cell));
      // Cut by code points, not UTF-16 units: half of an emoji would be a lone surrogate in the event.
      if (label !== undefined) this.reason = `a header names a magnitude ("${Array.from(label.trim()).slice(0, 60).join('')}")`;
      return;
    }
    for (let i = 1; i < raw.length; i++) {
      const cell = raw[i];
      // A count read by the tokenizer has neither a currency sign nor a fraction.
      if (typeof cell === 'number') continue;
      const text = cell.trim();
      if (CURRENCY.test(text) && WHOLE_OR_GROUPED.test(text.replace(CURRENCY, '').trim())) {
        this.reason = 'cells hold currency amounts';
        return;
      }
      if (FRACTION.test(text)) {
        this.reason = 'cells are not whole numbers';
        return;
      }
    }
  }

  findings(evidenceName: string): Finding[] {
    if (this.reason === null) return [];
    return [
      {
        rule: 'nk-dominance',
        verdict: 'review',
        cells: [],
        message:
          `This looks like a magnitude table (${this.reason}), not a table of counts: dominance (p% and nk rules) could not be checked. ` +
          `Attach the evidence as a supporting file named ${evidenceName} (row,column,contributors,total,largest,second_largest for each cell), or a checker judges it by hand.`,
      },
    ];
  }

  private isMagnitudeLabel(label: string): boolean {
    if (CURRENCY.test(label)) return true;
    if (isTotalLabel(label)) return false;
    return label
      .toLowerCase()
      .split(/[^a-z]+/)
      .some((w) => MAGNITUDE_WORDS.has(w));
  }
}
