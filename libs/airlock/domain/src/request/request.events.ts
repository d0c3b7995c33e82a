import type { ApprovalPolicy, DisclosureThresholds } from './approval-policy';
import type { ImportClassification, ImportPolicy, RequestDirection } from './import-policy';

// Facts about an egress request, in the past tense. Times, ids and actors arrive with the
// command; the domain never reads a clock (docs/style.md).

export type FileKind = 'output' | 'supporting' | 'code';

export type ScanOutcome =
  { status: 'clean'; engine: string } | { status: 'infected'; signature: string; engine: string } | { status: 'not_scanned'; reason: string };

export type CheckVerdict = 'pass' | 'fail' | 'review';

export type CheckFinding = {
  rule: string;
  verdict: CheckVerdict;
  cells: { row: number; column: number; rowLabel?: string; columnLabel?: string }[];
  /** How many cells the finding covers, when more than the listed ones. */
  cellCount?: number;
  message: string;
};

export type VoteDecision = 'approve' | 'request_changes' | 'reject';
export type CommentVisibility = 'private' | 'public';
export type Comment = { text: string; visibility: CommentVisibility };

type Fact<TType extends string, TData> = { type: TType; data: { requestId: string } & TData };

/** `direction` was added later: an event without it is an export (docs/adr/0012-imports.md). */
export type RequestCreated = Fact<'RequestCreated', { projectId: string; title: string; authorId: string; direction?: RequestDirection; createdAt: string }>;
export type GroupDefined = Fact<'GroupDefined', { group: string; context: string; controls: string; definedAt: string }>;
export type FileUploaded = Fact<
  'FileUploaded',
  {
    fileId: string;
    name: string;
    group: string;
    kind: FileKind;
    sha256: string;
    size: number;
    draftKey: string;
    /** Imports only: what the file's name and first bytes show it to be (import-policy.ts). */
    content?: ImportClassification;
    uploadedAt: string;
  }
>;
export type FileRemoved = Fact<'FileRemoved', { fileId: string; removedAt: string }>;

export type SubmittedFile = {
  fileId: string;
  name: string;
  group: string;
  kind: FileKind;
  sha256: string;
  size: number;
  quarantineKey: string;
};
export type CarriedVote = { fileId: string; sha256: string; checkerId: string; castInTurn: number; overrideJustification?: string };

export type RequestSubmitted = Fact<
  'RequestSubmitted',
  {
    turn: number;
    files: SubmittedFile[];
    groups: { group: string; context: string; controls: string }[];
    policy: ApprovalPolicy;
    /** Thresholds the automated disclosure check applies to this turn. */
    disclosure: DisclosureThresholds;
    /** Approvals of files whose bytes did not change since the last turn, kept for this turn. */
    carriedVotes: CarriedVote[];
    /** Imports only (absent: an export): the direction and the project's import policy of this turn. */
    direction?: RequestDirection;
    imports?: ImportPolicy;
    submittedBy: string;
    submittedAt: string;
  }
>;
export type RequestWithdrawn = Fact<'RequestWithdrawn', { turn: number; withdrawnBy: string; withdrawnAt: string }>;

export type ChecksStarted = Fact<'ChecksStarted', { turn: number; startedAt: string }>;
export type FileScanned = Fact<'FileScanned', { turn: number; fileId: string; sha256: string; result: ScanOutcome; scannedAt: string }>;
export type FileBlocked = Fact<'FileBlocked', { turn: number; fileId: string; sha256: string; blockedKey: string; reason: string; blockedAt: string }>;
export type RequestBlocked = Fact<'RequestBlocked', { turn: number; reason: string; blockedAt: string }>;
export type FileChecked = Fact<
  'FileChecked',
  {
    turn: number;
    fileId: string;
    sha256: string;
    verdict: CheckVerdict;
    fileType: string;
    findings: CheckFinding[];
    rulesVersion: string;
    policy: Record<string, unknown>;
    checkedAt: string;
  }
>;
export type ReviewOpened = Fact<'ReviewOpened', { turn: number; openedAt: string }>;

export type ExceptionRequested = Fact<
  'ExceptionRequested',
  { turn: number; fileId: string; rule: string; justification: string; requestedBy: string; requestedAt: string }
>;
export type VoteCast = Fact<
  'VoteCast',
  {
    turn: number;
    fileId: string;
    sha256: string;
    checkerId: string;
    decision: VoteDecision;
    comment?: Comment;
    overrideJustification?: string;
    castAt: string;
  }
>;
export type CommentAdded = Fact<'CommentAdded', { turn: number; fileId?: string; authorId: string; comment: Comment; addedAt: string }>;

type Decision = { turn: number; policy: ApprovalPolicy; decidedAt: string };
export type RequestApproved = Fact<'RequestApproved', Decision & { approvers: string[] }>;
export type ChangesRequested = Fact<'ChangesRequested', Decision & { requestedBy: string[] }>;
export type RequestRejected = Fact<'RequestRejected', Decision & { rejectedBy: string[] }>;

/** `destination` is the bucket the file went to; absent (older events) means `released`. */
export type FileReleased = Fact<
  'FileReleased',
  { turn: number; fileId: string; sha256: string; releasedKey: string; destination?: ReleaseDestination; releasedAt: string }
>;
/** Exports go to the released bucket, imports to the imported bucket. */
export type ReleaseDestination = 'released' | 'imported';
export type RequestReleased = Fact<'RequestReleased', { turn: number; releasedAt: string }>;
export type DownloadLinkIssued = Fact<'DownloadLinkIssued', { fileId: string; linkId: string; issuedTo: string; expiresAt: string; issuedAt: string }>;
export type FileDownloaded = Fact<'FileDownloaded', { fileId: string; sha256: string; linkId: string; downloadedBy: string; downloadedAt: string }>;
export type RequestRevoked = Fact<'RequestRevoked', { turn: number; reason: string; revokedBy: string; revokedAt: string }>;
export type ReleasedFileWithdrawn = Fact<'ReleasedFileWithdrawn', { fileId: string; sha256: string; releasedKey: string; withdrawnAt: string }>;
/** Files of a rejected request are kept for the retention period in the rejected bucket. */
export type RejectedFileMoved = Fact<'RejectedFileMoved', { fileId: string; sha256: string; rejectedKey: string; movedAt: string }>;
export type RequestFailed = Fact<'RequestFailed', { turn: number; reason: string; failedAt: string }>;

export type RequestEvent =
  | RequestCreated
  | GroupDefined
  | FileUploaded
  | FileRemoved
  | RequestSubmitted
  | RequestWithdrawn
  | ChecksStarted
  | FileScanned
  | FileBlocked
  | RequestBlocked
  | FileChecked
  | ReviewOpened
  | ExceptionRequested
  | VoteCast
  | CommentAdded
  | RequestApproved
  | ChangesRequested
  | RequestRejected
  | FileReleased
  | RequestReleased
  | DownloadLinkIssued
  | FileDownloaded
  | RequestRevoked
  | ReleasedFileWithdrawn
  | RejectedFileMoved
  | RequestFailed;

export type RequestEventType = RequestEvent['type'];

export const REQUEST_EVENT_TYPES: readonly RequestEventType[] = [
  'RequestCreated',
  'GroupDefined',
  'FileUploaded',
  'FileRemoved',
  'RequestSubmitted',
  'RequestWithdrawn',
  'ChecksStarted',
  'FileScanned',
  'FileBlocked',
  'RequestBlocked',
  'FileChecked',
  'ReviewOpened',
  'ExceptionRequested',
  'VoteCast',
  'CommentAdded',
  'RequestApproved',
  'ChangesRequested',
  'RequestRejected',
  'FileReleased',
  'RequestReleased',
  'DownloadLinkIssued',
  'FileDownloaded',
  'RequestRevoked',
  'ReleasedFileWithdrawn',
  'RejectedFileMoved',
  'RequestFailed',
];
