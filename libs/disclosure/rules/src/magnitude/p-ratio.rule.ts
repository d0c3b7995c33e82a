import type { DisclosurePolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';
import { cellsHave, findingFor } from '../finding.text';
import type { CellStats, MagnitudeCell } from './cell-stats';

/**
 * p% rule. SDC handbook: the second-largest contributor can estimate the largest to within the
 * rest of the cell, T − x1 − x2; that must be at least p of x1, so (T − x1 − x2) / x1 < p fails.
 * Cells with negative contributions are left to the negative rule (dominance is undefined).
 */
export const pRatioRule = (cells: readonly MagnitudeCell[], policy: DisclosurePolicy): Finding[] => {
  const failing = cells.filter(({ stats }) => stats.negative !== true && violatesPRatio(stats, policy)).map((c) => c.ref);
  return findingFor(
    'p-ratio',
    'fail',
    failing,
    `${cellsHave(failing.length)} a largest contributor that the others hide by less than p = ${policy.p} of its value`,
  );
};

export const violatesPRatio = (stats: CellStats, policy: Pick<DisclosurePolicy, 'p' | 'zerosAreDisclosive'>): boolean => {
  const [x1 = 0, x2 = 0] = stats.largest;
  // ACRO: with no positive total the ratio is undefined; it fails while zeros are disclosive.
  if (stats.total <= 0 || x1 <= 0) return policy.zerosAreDisclosive;
  return (stats.total - x1 - x2) / x1 < policy.p;
};
