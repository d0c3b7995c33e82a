import type { DisclosurePolicy } from './disclosure.policy';

export type Verdict = 'pass' | 'fail' | 'review';

export type RuleName =
  | 'threshold'
  | 'p-ratio'
  | 'nk-dominance'
  | 'negative'
  | 'missing'
  | 'all-same'
  | 'class-disclosure'
  | 'secondary-suppression'
  | 'dof'
  | 'row-level'
  | 'file-type'
  | 'archive';

/** A cell of the table body: 0-based, row labels and column labels excluded. */
export type CellRef = { row: number; column: number; rowLabel?: string; columnLabel?: string };

/** One finding per rule and verdict. The message never contains a cell's value. */
export type Finding = { rule: RuleName; verdict: Verdict; cells: CellRef[]; message: string };

export type DetectedKind = 'csv' | 'tsv' | 'xlsx' | 'zip' | 'pdf' | 'image' | 'text' | 'binary' | 'empty';

export type DetectedType = { kind: DetectedKind; mediaType: string };

export type FileCheckResult = {
  verdict: Verdict;
  fileType: DetectedType;
  findings: Finding[];
  policy: DisclosurePolicy;
  rulesVersion: string;
};
