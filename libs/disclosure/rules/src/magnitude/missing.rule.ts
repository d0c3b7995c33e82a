import type { DisclosurePolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';
import { cellsHave, findingFor } from '../finding.text';
import type { MagnitudeCell } from './cell-stats';

/** ACRO check_missing_values: missing contributions may hide a contributor, so a person looks (review). */
export const missingRule = (cells: readonly MagnitudeCell[], policy: DisclosurePolicy): Finding[] => {
  if (!policy.checkMissingValues) return [];
  const withMissing = cells.filter(({ stats }) => (stats.missing ?? 0) > 0).map((c) => c.ref);
  return findingFor('missing', 'review', withMissing, `${cellsHave(withMissing.length)} missing contributions`);
};
