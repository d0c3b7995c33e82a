import type { Finding } from '../disclosure.types';
import { cellsHave, findingFor } from '../finding.text';
import type { MagnitudeCell, MagnitudeStatistic } from './cell-stats';

/**
 * ACRO all-values-are-same: when every contribution to a mode cell has the same value, the mode
 * tells each contributor's value, however many there are.
 */
export const allSameRule = (cells: readonly MagnitudeCell[], statistic: MagnitudeStatistic): Finding[] => {
  if (statistic !== 'mode') return [];
  const same = cells.filter(({ stats }) => stats.allSame === true).map((c) => c.ref);
  return findingFor('all-same', 'fail', same, `${cellsHave(same.length)} contributions that all share one value, which the mode discloses`);
};
