export type DisclosurePolicy = {
  /** Minimum contributors per cell (SDC handbook and ACRO default: 10). */
  threshold: number;
  /** Whether a zero count is disclosive (ACRO default: true; it reveals that nobody has the attribute). */
  zerosAreDisclosive: boolean;
  /** Tables with more body cells than this are not checked automatically; this bounds memory. */
  maxTableCells: number;
};

// ACRO's defaults (acro/default.yaml: safe_threshold 10, zeros_are_disclosive true).
export const DEFAULT_POLICY: DisclosurePolicy = Object.freeze({
  threshold: 10,
  zerosAreDisclosive: true,
  maxTableCells: 1_000_000,
});
