import type {
  ApprovalPolicy,
  CheckFinding,
  CheckVerdict,
  CommentVisibility,
  DisclosureThresholds,
  FileKind,
  Group,
  RequestEvent,
  ScanOutcome,
  VoteDecision,
  ReleaseDestination,
  RequestDirection,
} from '@airlock/domain';

// The release record: what left the TRE, on whose word, under which rules. Machine-readable, one
// JSON document per released request, built only from the request's event stream.

/** Bump on any change a reader of stored records must know about (fields renamed or removed). */
export const RELEASE_RECORD_VERSION = '1.0';

/** One stored event, already decoded from its wire envelope by the caller. */
export type RecordedEvent = {
  id: string;
  time: string;
  streamVersion: number;
  actor: { userId: string; roles: readonly string[] };
  event: RequestEvent;
};

/**
 * `tre`: the full record for the TRE's own governance (checkers, administrators, the bucket).
 * `author`: the researcher's copy; no private comments, checkers and staff under stable pseudonyms,
 * as everywhere else the researcher looks (blinded review).
 */
export type RecordAudience = 'tre' | 'author';

export type RecordVote = {
  turn: number;
  fileId: string;
  fileName: string;
  sha256: string;
  checker: string;
  decision: VoteDecision;
  castAt: string;
  /** An approval kept from an earlier turn because the file's bytes did not change. */
  carriedFromTurn?: number;
  comment?: { text: string; visibility: CommentVisibility };
  overridden?: boolean;
  overrideJustification?: string;
  eventId?: string;
};

export type RecordComment = { turn: number; fileId?: string; author: string; visibility: CommentVisibility; text: string; addedAt: string; eventId: string };
export type RecordException = { turn: number; fileId: string; rule: string; justification: string; requestedBy: string; requestedAt: string };
export type RecordOverride = {
  turn: number;
  fileId: string;
  fileName: string;
  sha256: string;
  checker: string;
  failedRules: string[];
  castAt: string;
  justification?: string;
};

export type RecordCheck = {
  verdict: CheckVerdict;
  fileType: string;
  rulesVersion: string;
  /** The rule parameters actually applied to this file (thresholds over the rules' defaults). */
  policy: Record<string, unknown>;
  findings: CheckFinding[];
  checkedAt: string;
};

export type RecordTurnFile = {
  fileId: string;
  name: string;
  group: string;
  kind: FileKind;
  sha256: string;
  size: number;
  quarantineKey: string;
  scan?: ScanOutcome & { scannedAt: string };
  check?: RecordCheck;
  votes: RecordVote[];
  exceptions: RecordException[];
};

export type DecisionOutcome = 'approved' | 'changes_requested' | 'rejected';
export type RecordDecision = { turn: number; decision: DecisionOutcome; by: string[]; policy: ApprovalPolicy; decidedAt: string; eventId: string };

export type RecordTurn = {
  turn: number;
  submittedAt: string;
  submittedBy: string;
  groups: Group[];
  approvalPolicy: ApprovalPolicy;
  disclosureThresholds: DisclosureThresholds;
  checksStartedAt?: string;
  reviewOpenedAt?: string;
  files: RecordTurnFile[];
  comments: RecordComment[];
  decision?: RecordDecision;
};

export type RecordFile = RecordTurnFile & {
  released: boolean;
  releasedKey?: string;
  releasedAt?: string;
  withdrawnAt?: string;
  notReleasedBecause?: string;
};

export type RecordTimelineEntry = { eventId: string; streamVersion: number; type: string; time: string; actor: string; roles: string[] };

export type ReleaseRecord = {
  recordType: 'airlock.release-record';
  recordVersion: string;
  audience: RecordAudience;
  /** `direction`: export (to the released bucket) or import (to the imported bucket), docs/adr/0012-imports.md. */
  request: {
    requestId: string;
    title: string;
    direction: RequestDirection;
    destination: ReleaseDestination;
    createdAt: string;
    status: 'released' | 'revoked';
    turns: number;
  };
  project: { projectId: string };
  author: { userId: string };
  /** The approval policy in force for the released turn (each decision also carries its own). */
  approvalPolicy: ApprovalPolicy;
  disclosureControl: {
    /** Thresholds the project set for the released turn; unset ones took the rules' defaults. */
    thresholds: DisclosureThresholds;
    rules: { rulesVersion: string; policy: Record<string, unknown>; fileIds: string[] }[];
  };
  groups: Group[];
  files: RecordFile[];
  turns: RecordTurn[];
  votes: RecordVote[];
  overrides: RecordOverride[];
  exceptions: RecordException[];
  decisions: RecordDecision[];
  release: {
    turn: number;
    releasedAt: string;
    approvers: string[];
    files: { fileId: string; name: string; sha256: string; releasedKey: string; releasedAt: string }[];
  };
  revocation?: {
    revokedBy: string;
    revokedAt: string;
    reason: string;
    withdrawn: { fileId: string; sha256: string; releasedKey: string; withdrawnAt: string }[];
  };
  timeline: RecordTimelineEntry[];
  /** The stream prefix the record was built from: the same prefix always gives the same record. */
  basedOn: { events: number; lastEventId: string; lastStreamVersion: number };
};
