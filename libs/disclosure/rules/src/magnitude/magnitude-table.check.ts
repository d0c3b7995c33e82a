import type { DisclosurePolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';
import { allSameRule } from './all-same.rule';
import type { MagnitudeCell, MagnitudeStatistic } from './cell-stats';
import { magnitudeThresholdRule } from './magnitude-threshold.rule';
import { missingRule } from './missing.rule';
import { negativeRule } from './negative.rule';
import { nkDominanceRule } from './nk-dominance.rule';
import { pRatioRule } from './p-ratio.rule';

/**
 * Every rule for a magnitude table (sums, means, ...), given per-cell statistics from the raw
 * contributions or from an evidence file. Unlike ACRO, a negative cell does not hide failures of
 * other cells: each rule still reports its own cells (fail closed).
 */
export const checkMagnitudeCells = (cells: readonly MagnitudeCell[], statistic: MagnitudeStatistic, policy: DisclosurePolicy): Finding[] => [
  ...magnitudeThresholdRule(cells, policy),
  ...pRatioRule(cells, policy),
  ...nkDominanceRule(cells, policy),
  ...negativeRule(cells),
  ...missingRule(cells, policy),
  ...allSameRule(cells, statistic),
];
