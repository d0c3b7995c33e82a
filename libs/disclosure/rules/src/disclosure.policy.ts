export type DisclosurePolicy = {
  /** Minimum contributors per cell (SDC handbook and ACRO default: 10). */
  threshold: number;
  /** Whether a zero count is disclosive (ACRO default: true; it reveals that nobody has the attribute). */
  zerosAreDisclosive: boolean;
  /**
   * Tables that must be held in memory to be judged (a magnitude table matched to its evidence, a
   * spreadsheet sheet, an evidence file) with more body cells than this go to review; this bounds
   * memory. Frequency tables in CSV or TSV are judged row by row at any size.
   */
  maxTableCells: number;
  /** p% rule: the others must hide at least this fraction of the largest contribution (ACRO: 0.10). */
  p: number;
  /** nk-dominance: how many of the largest contributions are summed (ACRO: n = 2). */
  nkN: number;
  /** nk-dominance: the share of the cell total those n may not exceed (ACRO: k = 0.90). */
  nkK: number;
  /** Send cells with missing contributions to review (ACRO check_missing_values, default false). */
  checkMissingValues: boolean;
  /** Class disclosure: a cell may hold at most this share of its row or column total. */
  classDisclosureShare: number;
  /** Models need at least this many residual degrees of freedom (ACRO safe_dof_threshold: 10). */
  minResidualDof: number;
  /** Archives (zip, xlsx): most members, counted across nested archives. */
  archiveMaxEntries: number;
  /** Archives: most bytes all members may expand to, nested archives included. */
  archiveMaxUncompressedBytes: number;
  /** Archives: most a member (past 1 MiB) may expand relative to its compressed size. */
  archiveMaxRatio: number;
  /** Archives: how deep archives may nest (an xlsx inside a zip is depth 2). */
  archiveMaxDepth: number;
  /**
   * Counts must be rounded (a project's choice): to a multiple of 5 or 10, or midpoint 6 as
   * OpenSAFELY defines it (0 stays 0; 1-6 are shown as 3, 7-12 as 9, 13-18 as 15, ...; see
   * docs/adr/0010-released-tables-ledger.md). `none`: not required.
   */
  rounding: RoundingPolicy;
};

export type RoundingPolicy = 'none' | 'base5' | 'base10' | 'midpoint6';

// ACRO's defaults (acro/default.yaml: safe_threshold 10, safe_pratio_p 0.1, safe_nk_n 2,
// safe_nk_k 0.9, zeros_are_disclosive true, check_missing_values false, safe_dof_threshold 10).
export const DEFAULT_POLICY: DisclosurePolicy = Object.freeze({
  threshold: 10,
  zerosAreDisclosive: true,
  maxTableCells: 1_000_000,
  p: 0.1,
  nkN: 2,
  nkK: 0.9,
  checkMissingValues: false,
  classDisclosureShare: 0.9,
  minResidualDof: 10,
  // Zip-bomb limits (OWASP file upload guidance): deflate reaches ~1000:1, ordinary outputs stay well below 100:1.
  archiveMaxEntries: 10_000,
  archiveMaxUncompressedBytes: 10 * 2 ** 30,
  archiveMaxRatio: 100,
  archiveMaxDepth: 3,
  rounding: 'none',
});
