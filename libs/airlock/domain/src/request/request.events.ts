// Facts about an egress request, in the past tense. Times, ids and actors arrive with the
// command; the domain never reads a clock (STYLE.md).

export type FileKind = 'output' | 'supporting' | 'code';

export type ScanOutcome =
  | { status: 'clean'; engine: string }
  | { status: 'infected'; signature: string; engine: string }
  | { status: 'not_scanned'; reason: string };

export type CheckVerdict = 'pass' | 'fail' | 'review';

export type CheckFinding = {
  rule: string;
  verdict: CheckVerdict;
  cells: { row: number; column: number; rowLabel?: string; columnLabel?: string }[];
  message: string;
};

export type VoteDecision = 'approve' | 'reject';

export type ApprovalPolicy = {
  requiredApprovals: number;
};

export type RequestCreated = {
  type: 'RequestCreated';
  data: { requestId: string; projectId: string; title: string; authorId: string; createdAt: string };
};

export type FileUploaded = {
  type: 'FileUploaded';
  data: {
    requestId: string;
    fileId: string;
    name: string;
    kind: FileKind;
    sha256: string;
    size: number;
    draftKey: string;
    uploadedAt: string;
  };
};

export type SubmittedFile = { fileId: string; name: string; kind: FileKind; sha256: string; size: number; quarantineKey: string };

export type RequestSubmitted = {
  type: 'RequestSubmitted';
  data: { requestId: string; turn: number; files: SubmittedFile[]; submittedBy: string; submittedAt: string };
};

export type ChecksStarted = {
  type: 'ChecksStarted';
  data: { requestId: string; turn: number; startedAt: string };
};

export type FileScanned = {
  type: 'FileScanned';
  data: { requestId: string; turn: number; fileId: string; sha256: string; result: ScanOutcome; scannedAt: string };
};

export type FileBlocked = {
  type: 'FileBlocked';
  data: { requestId: string; turn: number; fileId: string; sha256: string; blockedKey: string; reason: string; blockedAt: string };
};

export type RequestBlocked = {
  type: 'RequestBlocked';
  data: { requestId: string; turn: number; reason: string; blockedAt: string };
};

export type FileChecked = {
  type: 'FileChecked';
  data: {
    requestId: string;
    turn: number;
    fileId: string;
    sha256: string;
    verdict: CheckVerdict;
    fileType: string;
    findings: CheckFinding[];
    rulesVersion: string;
    policy: Record<string, unknown>;
    checkedAt: string;
  };
};

export type ReviewOpened = {
  type: 'ReviewOpened';
  data: { requestId: string; turn: number; openedAt: string };
};

export type VoteCast = {
  type: 'VoteCast';
  data: {
    requestId: string;
    turn: number;
    fileId: string;
    sha256: string;
    checkerId: string;
    decision: VoteDecision;
    comment?: string;
    overrideJustification?: string;
    castAt: string;
  };
};

export type RequestApproved = {
  type: 'RequestApproved';
  data: { requestId: string; turn: number; approvers: string[]; policy: ApprovalPolicy; approvedAt: string };
};

export type RequestRejected = {
  type: 'RequestRejected';
  data: { requestId: string; turn: number; rejectedBy: string[]; rejectedAt: string };
};

export type FileReleased = {
  type: 'FileReleased';
  data: { requestId: string; turn: number; fileId: string; sha256: string; releasedKey: string; releasedAt: string };
};

export type RequestReleased = {
  type: 'RequestReleased';
  data: { requestId: string; turn: number; releasedAt: string };
};

export type RequestFailed = {
  type: 'RequestFailed';
  data: { requestId: string; turn: number; reason: string; failedAt: string };
};

export type FileDownloaded = {
  type: 'FileDownloaded';
  data: { requestId: string; fileId: string; sha256: string; downloadedBy: string; downloadedAt: string };
};

export type RequestEvent =
  | RequestCreated
  | FileUploaded
  | RequestSubmitted
  | ChecksStarted
  | FileScanned
  | FileBlocked
  | RequestBlocked
  | FileChecked
  | ReviewOpened
  | VoteCast
  | RequestApproved
  | RequestRejected
  | FileReleased
  | RequestReleased
  | RequestFailed
  | FileDownloaded;

export type RequestEventType = RequestEvent['type'];

export const REQUEST_EVENT_TYPES: readonly RequestEventType[] = [
  'RequestCreated',
  'FileUploaded',
  'RequestSubmitted',
  'ChecksStarted',
  'FileScanned',
  'FileBlocked',
  'RequestBlocked',
  'FileChecked',
  'ReviewOpened',
  'VoteCast',
  'RequestApproved',
  'RequestRejected',
  'FileReleased',
  'RequestReleased',
  'RequestFailed',
  'FileDownloaded',
];
