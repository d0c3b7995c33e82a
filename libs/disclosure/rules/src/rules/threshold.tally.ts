import type { DisclosurePolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';
import { cellCount, cellsHave, findingFor } from '../finding.text';
import { CellList } from '../tables/cell-list';
import type { TableHeader, TableRow } from '../tables/table.reader';

/**
 * Minimum threshold. SDC handbook: a cell with fewer than `threshold` contributors is primary
 * disclosive (ACRO default 10); a zero cell discloses that nobody has the attribute, so it fails
 * while zeros are disclosive. Totals are cells too: a margin under the threshold discloses as much.
 * Empty cells and suppression marks are not counts and are left to the secondary-suppression rule.
 * Judged cell by cell as rows arrive.
 */
export class ThresholdTally {
  private readonly failing = new CellList();
  private readonly unreadable = new CellList();
  private formulas = 0;
  private fractional = 0;

  constructor(
    private readonly policy: Pick<DisclosurePolicy, 'threshold' | 'zerosAreDisclosive'>,
    private readonly header: TableHeader,
  ) {}

  row({ index, label, cells }: TableRow): void {
    const { threshold, zerosAreDisclosive } = this.policy;
    for (let column = 0; column < cells.length; column++) {
      const cell = cells[column];
      if (typeof cell === 'number') {
        // cell % 1, not Number.isInteger: no global lookup per cell (slow inside a vm context such as jest's).
        if (cell % 1 !== 0) {
          this.fractional++;
          this.unreadable.add(index, column, label, this.header.columnLabels[column]);
        } else if (cell === 0 ? zerosAreDisclosive : cell < threshold) {
          this.failing.add(index, column, label, this.header.columnLabels[column]);
        }
      } else if (cell.kind === 'text') {
        if (cell.formula) this.formulas++;
        this.unreadable.add(index, column, label, this.header.columnLabels[column]);
      }
    }
  }

  findings(): Finding[] {
    const { failing, unreadable } = this;
    return [
      ...findingFor('threshold', 'fail', failing.listed, `${cellsHave(failing.count)} fewer than ${this.policy.threshold} contributors`, failing.count),
      ...findingFor(
        'threshold',
        'review',
        unreadable.listed,
        `The table could not be read as counts: ${unreadableReason(unreadable.count - this.fractional, this.formulas, this.fractional)}`,
        unreadable.count,
      ),
    ];
  }
}

export const unreadableReason = (text: number, formulas: number, fractional: number): string => {
  const parts: string[] = [];
  if (text > 0) {
    const formulaNote = formulas > 0 ? ` (${formulas} look${formulas === 1 ? 's' : ''} like spreadsheet formulas)` : '';
    parts.push(`${cellCount(text)} ${text === 1 ? 'is' : 'are'} neither numbers nor suppression marks${formulaNote}`);
  }
  if (fractional > 0) parts.push(`${cellCount(fractional)} ${fractional === 1 ? 'is' : 'are'} not whole numbers`);
  return parts.join('; ') + '.';
};
