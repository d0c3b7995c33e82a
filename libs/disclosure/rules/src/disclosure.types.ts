import type { AcroCarried } from './acro/acro-bundle';
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
  | 'formula'
  | 'file-type'
  | 'archive'
  | 'differencing'
  | 'rounding';

/** A cell of the table body: 0-based, row labels and column labels excluded. */
export type CellRef = { row: number; column: number; rowLabel?: string; columnLabel?: string };

/**
 * One finding per rule and verdict. The message never contains a cell's value. `cells` lists at
 * most MAX_LISTED_CELLS cells in row-major order; `cellCount` is present when more were affected.
 */
export type Finding = { rule: RuleName; verdict: Verdict; cells: CellRef[]; cellCount?: number; message: string };

export type DetectedKind = 'csv' | 'tsv' | 'xlsx' | 'zip' | 'pdf' | 'image' | 'text' | 'binary' | 'empty';

export type DetectedType = { kind: DetectedKind; mediaType: string };

export type FileCheckResult = {
  verdict: Verdict;
  fileType: DetectedType;
  findings: Finding[];
  policy: DisclosurePolicy;
  rulesVersion: string;
  /**
   * For a CSV or TSV table read as counts: how many body cells every frequency rule judged (the
   * whole table, however long). Absent for other files and for tables that could not be read.
   */
  cellsJudged?: number;
};

/** How a file is meant to leave (the airlock's file kinds); supporting files never leave. */
export type FileKind = 'output' | 'supporting' | 'code';

/** One file of a set checked together. */
export type FileInput = {
  /** Its path within the set, '/'-separated: pairs tables with evidence and finds ACRO folders. */
  name: string;
  /** How it is meant to leave; unknown (a researcher's own check) is taken as the usual use. */
  kind?: FileKind;
  /** Its bytes; called once. */
  open: () => AsyncIterable<Uint8Array>;
};

/** The verdict on one file of a set. */
export type FileResult = FileCheckResult & {
  name: string;
  /** Material for checkers that never leaves: a table's evidence, or ACRO's metadata. */
  supporting?: 'evidence' | 'acro-metadata';
  /** What ACRO said about this output, when it came from an ACRO results folder. */
  acro?: AcroCarried;
};
