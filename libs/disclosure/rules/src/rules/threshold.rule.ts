import type { DisclosurePolicy } from '../disclosure.policy';
import type { CellRef, Finding } from '../disclosure.types';
import { isCount } from '../tables/body-cell.parser';
import { bodyCells, cellRef, type FrequencyTable } from '../tables/frequency-table';

/**
 * Minimum threshold. SDC handbook: a cell with fewer than `threshold` contributors is primary
 * disclosive (ACRO default 10); a zero cell discloses that nobody has the attribute, so it fails
 * while zeros are disclosive. Totals are cells too: a margin under the threshold discloses as much.
 * Empty cells and suppression marks are not counts and are left to the secondary-suppression rule.
 */
export const thresholdRule = (table: FrequencyTable, policy: DisclosurePolicy): Finding[] => {
  const failing: CellRef[] = [];
  const unreadable: CellRef[] = [];
  let formulas = 0;
  let fractional = 0;

  for (const { row, column, cell } of bodyCells(table)) {
    if (isCount(cell)) {
      if (!Number.isInteger(cell)) {
        fractional++;
        unreadable.push(cellRef(table, row, column));
      } else if (isBelowThreshold(cell, policy)) {
        failing.push(cellRef(table, row, column));
      }
    } else if (cell.kind === 'text') {
      if (cell.formula) formulas++;
      unreadable.push(cellRef(table, row, column));
    }
  }

  const findings: Finding[] = [];
  if (failing.length > 0) {
    findings.push({
      rule: 'threshold',
      verdict: 'fail',
      cells: failing,
      message: `${cells(failing.length)} ${failing.length === 1 ? 'has' : 'have'} fewer than ${policy.threshold} contributors`,
    });
  }
  if (unreadable.length > 0) {
    findings.push({
      rule: 'threshold',
      verdict: 'review',
      cells: unreadable,
      message: `The table could not be read as counts: ${unreadableReason(unreadable.length - fractional, formulas, fractional)}`,
    });
  }
  return findings;
};

const isBelowThreshold = (count: number, policy: DisclosurePolicy): boolean =>
  count === 0 ? policy.zerosAreDisclosive : count < policy.threshold;

const cells = (n: number): string => `${n} cell${n === 1 ? '' : 's'}`;

const unreadableReason = (text: number, formulas: number, fractional: number): string => {
  const parts: string[] = [];
  if (text > 0) {
    const formulaNote = formulas > 0 ? ` (${formulas} look${formulas === 1 ? 's' : ''} like spreadsheet formulas)` : '';
    parts.push(`${cells(text)} ${text === 1 ? 'is' : 'are'} neither numbers nor suppression marks${formulaNote}`);
  }
  if (fractional > 0) parts.push(`${cells(fractional)} ${fractional === 1 ? 'is' : 'are'} not whole numbers`);
  return parts.join('; ') + '.';
};
