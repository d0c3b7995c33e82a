import type { Finding } from '../disclosure.types';
import { cellsHave, findingFor } from '../finding.text';
import type { MagnitudeCell } from './cell-stats';

/** ACRO: negative contributions make dominance undefined, so the cell needs a person (review). */
export const negativeRule = (cells: readonly MagnitudeCell[]): Finding[] => {
  const negative = cells.filter(({ stats }) => stats.negative === true).map((c) => c.ref);
  return findingFor('negative', 'review', negative, `${cellsHave(negative.length)} negative contributions, so dominance (p-ratio, nk) is undefined`);
};
