import type { FileKind } from './request.events';

// The approval policy of a project, recorded with each submission and on every decision.
export type ApprovalPolicy = {
  /** Distinct accredited checkers, none the author or a project member (docs/design.md invariant 1). */
  requiredApprovals: number;
  /** One more approval for files whose automated verdict is `review` (the rules could not judge them). */
  extraApprovalForReview: boolean;
  /** One more approval for these kinds (e.g. code, which no rule can judge). */
  extraApprovalForKinds: FileKind[];
};

/** Disclosure thresholds a project sets for the automated checks; unset values take the rules' defaults. */
export type DisclosureThresholds = {
  minCellCount?: number;
  p?: number;
  nkN?: number;
  nkK?: number;
  classDisclosureShare?: number;
  minResidualDof?: number;
  /** Counts must be rounded: base5, base10 or midpoint6 (none: not required). */
  rounding?: 'none' | 'base5' | 'base10' | 'midpoint6';
  /**
   * The data domain whose ledger of released tables the differencing checks compare against:
   * projects that draw on the same source data share one (set by the administrator). Unset: the
   * project's own ledger.
   */
  dataDomain?: string;
};

export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = {
  requiredApprovals: 2,
  extraApprovalForReview: false,
  extraApprovalForKinds: [],
};

export function requiredReviews(policy: ApprovalPolicy, file: { kind: FileKind; verdict?: string }): number {
  const extra = (policy.extraApprovalForReview && file.verdict === 'review') || policy.extraApprovalForKinds.includes(file.kind);
  return policy.requiredApprovals + (extra ? 1 : 0);
}
