import type { RoundingPolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';
import { cellText, type RawCell } from '../readers/delimited.tokenizer';
import { parseBodyCell } from '../tables/body-cell.parser';
import { CellList } from '../tables/cell-list';
import { isBlankCell } from '../tables/table.reader';

const IS_ROUNDED: Record<Exclude<RoundingPolicy, 'none'>, (n: number) => boolean> = {
  base5: (n) => n % 5 === 0,
  base10: (n) => n % 10 === 0,
  // Midpoint-6 as OpenSAFELY defines it (docs/adr/0010-released-tables-ledger.md): 0 stays 0, a
  // count from 6k-5 to 6k is shown as 6k-3 (1-6 as 3, 7-12 as 9, ...): 0 and the numbers that
  // leave 3 when divided by 6.
  midpoint6: (n) => n === 0 || n % 6 === 3,
};

const DESCRIBED: Record<Exclude<RoundingPolicy, 'none'>, string> = {
  base5: 'rounded to a multiple of 5',
  base10: 'rounded to a multiple of 10',
  midpoint6: 'rounded to midpoint 6 (0, 3, 9, 15, 21, ...)',
};

/**
 * The project's rounding policy over every count of a table, as rows are read (the header first):
 * a whole number that is not rounded fails. Suppression marks and text are left to the other
 * rules; fractions are not counts. Keeps the listed cells only, never values.
 */
export class RoundingDetector {
  private header: readonly RawCell[] | null = null;
  private row = 0;
  private readonly unrounded = new CellList();

  constructor(private readonly policy: RoundingPolicy) {}

  observe(raw: readonly RawCell[]): void {
    if (this.policy === 'none') return;
    if (raw.every(isBlankCell)) return;
    if (this.header === null) {
      this.header = raw;
      return;
    }
    // pandas writes the index name on a row of its own under the header: not a body row.
    if (this.row === 0 && raw.slice(1).every(isBlankCell)) return;
    const rounded = IS_ROUNDED[this.policy];
    for (let column = 1; column < raw.length; column++) {
      const cell = parseBodyCell(raw[column]);
      if (typeof cell === 'number' && cell % 1 === 0 && !rounded(Math.abs(cell))) {
        this.unrounded.add(this.row, column - 1, cellText(raw[0] ?? ''), cellText(this.header[column] ?? ''));
      }
    }
    this.row++;
  }

  findings(): Finding[] {
    if (this.policy === 'none' || this.unrounded.count === 0) return [];
    const n = this.unrounded.count;
    return [
      {
        rule: 'rounding',
        verdict: 'fail',
        cells: [...this.unrounded.listed],
        ...(n > this.unrounded.listed.length ? { cellCount: n } : {}),
        message: `${n} ${n === 1 ? 'count is' : 'counts are'} not ${DESCRIBED[this.policy]}, as the project's policy requires.`,
      },
    ];
  }
}
