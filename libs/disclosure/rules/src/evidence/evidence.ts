import type { Finding } from '../disclosure.types';
import type { CellStats, MagnitudeStatistic } from '../magnitude/cell-stats';

/**
 * "N and the two largest values" per cell, as research data centres ask for them: the evidence a
 * magnitude table needs for dominance rules. It lives beside the table as `<table>.evidence.csv`
 * and never leaves the TRE.
 */
export const EVIDENCE_COLUMNS = ['row', 'column', 'contributors', 'total', 'largest', 'second_largest'] as const;
/** Optional columns: missing contributions, the smallest contribution (negatives, all-same), the statistic shown. */
export const OPTIONAL_EVIDENCE_COLUMNS = ['missing', 'smallest', 'statistic'] as const;

export type EvidenceRow = { row: string; column: string; stats: CellStats };

export type Evidence = {
  statistic: MagnitudeStatistic;
  rows: EvidenceRow[];
  /** Lines that cannot be used, without their values. */
  problems: Finding[];
};

const EVIDENCE_SUFFIX = /\.evidence\.csv$/i;

export const isEvidenceName = (name: string): boolean => EVIDENCE_SUFFIX.test(name);

/**
 * `tables/income.evidence.csv` → `tables/income`: the table it belongs to has this name before its
 * extension. `tables/income.csv.evidence.csv` names the same table.
 */
export const evidenceBase = (name: string): string => name.replace(EVIDENCE_SUFFIX, '').replace(/\.(csv|tsv)$/i, '');

/** `tables/income.csv` → `tables/income`. */
export const tableBase = (name: string): string => name.replace(/\.[^./]*$/, '');
