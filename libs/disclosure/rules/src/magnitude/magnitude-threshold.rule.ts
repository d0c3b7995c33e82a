import type { DisclosurePolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';
import { cellsHave, findingFor } from '../finding.text';
import type { MagnitudeCell } from './cell-stats';

/**
 * SDC handbook: a magnitude cell needs at least `threshold` contributors. We count contributors
 * (non-missing values), as ACRO does with Series.count().
 */
export const magnitudeThresholdRule = (cells: readonly MagnitudeCell[], policy: DisclosurePolicy): Finding[] => {
  const failing = cells.filter(({ stats }) => (stats.contributors === 0 ? policy.zerosAreDisclosive : stats.contributors < policy.threshold)).map((c) => c.ref);
  return findingFor('threshold', 'fail', failing, `${cellsHave(failing.length)} fewer than ${policy.threshold} contributors`);
};
