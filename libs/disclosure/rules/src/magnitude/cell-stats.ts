import type { CellRef } from '../disclosure.types';

/**
 * What the dominance rules need to know about one magnitude cell: "N and the largest values",
 * as research data centres ask for them. `largest` is sorted descending and may be shorter than
 * the contributors (an evidence file gives only the top two).
 */
export type CellStats = {
  contributors: number;
  total: number;
  largest: readonly number[];
  /** Any contribution below zero; null when not known. */
  negative: boolean | null;
  /** Contributions that were missing (not counted as contributors); null when not known. */
  missing: number | null;
  /** Every contribution has the same value; null when not known. */
  allSame: boolean | null;
};

export type MagnitudeCell = { ref: CellRef; stats: CellStats };

/** The statistic a magnitude table shows; all-same applies to the mode only (ACRO). */
export type MagnitudeStatistic = 'sum' | 'mean' | 'median' | 'mode' | 'std' | 'other';

/** Summarises raw contributions (null or NaN for a missing value), keeping the top `keep` values. */
export const summarizeContributions = (values: Iterable<number | null>, keep = 2): CellStats => {
  let contributors = 0;
  let total = 0;
  let missing = 0;
  let negative = false;
  const top: number[] = [];
  const seen = new Set<number>();
  for (const value of values) {
    if (value === null || Number.isNaN(value)) {
      missing++;
      continue;
    }
    contributors++;
    total += value;
    if (value < 0) negative = true;
    if (seen.size < 2) seen.add(value); // two distinct values are enough to know they are not all the same
    insertDescending(top, value, keep);
  }
  return { contributors, total, largest: top, negative, missing, allSame: seen.size === 1 };
};

const insertDescending = (top: number[], value: number, keep: number): void => {
  if (top.length === keep && value <= top[top.length - 1]) return;
  let i = top.length;
  while (i > 0 && top[i - 1] < value) i--;
  top.splice(i, 0, value);
  if (top.length > keep) top.pop();
};
