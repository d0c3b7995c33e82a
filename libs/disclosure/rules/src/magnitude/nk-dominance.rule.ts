import type { DisclosurePolicy } from '../disclosure.policy';
import type { CellRef, Finding } from '../disclosure.types';
import { cellCount, cellsHave, findingFor } from '../finding.text';
import type { CellStats, MagnitudeCell } from './cell-stats';

/**
 * nk-dominance. SDC handbook: a cell fails if its n largest contributions exceed k of its total
 * (ACRO: n = 2, k = 0.90); exactly k passes. Cells with negative contributions are left to the
 * negative rule. If fewer than n largest values are known, the cell goes to review.
 */
export const nkDominanceRule = (cells: readonly MagnitudeCell[], policy: DisclosurePolicy): Finding[] => {
  const failing: CellRef[] = [];
  const unknown: CellRef[] = [];
  for (const { ref, stats } of cells) {
    if (stats.negative === true) continue;
    const verdict = nkVerdict(stats, policy);
    if (verdict === 'fail') failing.push(ref);
    if (verdict === 'unknown') unknown.push(ref);
  }
  const { nkN: n, nkK: k } = policy;
  return [
    ...findingFor('nk-dominance', 'fail', failing, `${cellsHave(failing.length)} ${n} largest contributions above ${k} of the cell total`),
    ...findingFor(
      'nk-dominance',
      'review',
      unknown,
      `${cellCount(unknown.length)}: fewer than the ${n} largest contributions are known, so dominance cannot be judged`,
    ),
  ];
};

export const nkVerdict = (stats: CellStats, policy: Pick<DisclosurePolicy, 'nkN' | 'nkK' | 'zerosAreDisclosive'>): 'pass' | 'fail' | 'unknown' => {
  if (stats.total <= 0) return policy.zerosAreDisclosive ? 'fail' : 'pass';
  if (stats.largest.length < Math.min(policy.nkN, stats.contributors)) return 'unknown';
  const top = stats.largest.slice(0, policy.nkN).reduce((sum, x) => sum + x, 0);
  return top / stats.total > policy.nkK ? 'fail' : 'pass';
};
