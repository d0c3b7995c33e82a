import type { ApprovalPolicy } from './approval-policy';
import type { ImportClassification, ImportPolicy, RequestDirection } from './import-policy';
import type { CheckFinding, CheckVerdict, Comment, FileKind, ReleaseDestination, ScanOutcome, VoteDecision } from './request.events';

export type RequestStatus =
  | 'draft'
  | 'submitted'
  | 'checking'
  | 'awaiting_review'
  | 'changes_requested'
  | 'approved'
  | 'released'
  | 'rejected'
  | 'withdrawn'
  | 'blocked'
  | 'failed'
  | 'revoked';

/** Who may move a request on from each state (docs/design.md: each state has one owner). */
export const STATE_OWNER: Record<RequestStatus, 'author' | 'system' | 'checkers' | 'administrator' | 'nobody'> = {
  draft: 'author',
  changes_requested: 'author',
  submitted: 'system',
  checking: 'system',
  awaiting_review: 'checkers',
  approved: 'system',
  released: 'administrator',
  rejected: 'nobody',
  withdrawn: 'nobody',
  blocked: 'nobody',
  failed: 'nobody',
  revoked: 'nobody',
};

export const TERMINAL_STATUSES: readonly RequestStatus[] = ['rejected', 'withdrawn', 'blocked', 'failed', 'revoked'];
/** Before a decision the author may still withdraw. */
export const WITHDRAWABLE: readonly RequestStatus[] = ['draft', 'submitted', 'checking', 'awaiting_review', 'changes_requested'];

export type Vote = {
  checkerId: string;
  sha256: string;
  decision: VoteDecision;
  turn: number;
  comment?: Comment;
  overrideJustification?: string;
  carried?: boolean;
  castAt: string;
};

export type ExceptionRequest = { rule: string; justification: string; turn: number; requestedAt: string };

export type RequestFile = {
  fileId: string;
  name: string;
  group: string;
  kind: FileKind;
  sha256: string;
  size: number;
  draftKey: string;
  /** Imports only: the kind found at upload (import-policy.ts). */
  content?: ImportClassification;
  quarantineKey?: string;
  scan?: ScanOutcome;
  check?: { verdict: CheckVerdict; fileType: string; findings: CheckFinding[]; rulesVersion: string; policy: Record<string, unknown> };
  /** Votes of the current turn only; earlier turns live in `history`. */
  votes: Vote[];
  exceptions: ExceptionRequest[];
  blockedKey?: string;
  releasedKey?: string;
  withdrawnFromRelease?: boolean;
  rejectedKey?: string;
};

export type Group = { group: string; context: string; controls: string };
export type DownloadLink = { linkId: string; fileId: string; issuedTo: string; expiresAt: string; used: boolean };
export type TurnRecord = { turn: number; files: RequestFile[]; outcome?: RequestStatus; comments: CommentRecord[] };
export type CommentRecord = { fileId?: string; authorId: string; comment: Comment; turn: number; addedAt: string };

export type RequestData = {
  requestId: string;
  projectId: string;
  title: string;
  authorId: string;
  /** Chosen at creation; requests created before directions existed are exports. */
  direction: RequestDirection;
  /** Imports: the project's import policy recorded at the last submission. */
  imports?: ImportPolicy;
  createdAt: string;
  /** 0 while in first draft; each submission starts a new turn. */
  turn: number;
  groups: Group[];
  files: RequestFile[];
  comments: CommentRecord[];
  /** Policy recorded at submission; decisions of the turn use it. */
  policy?: ApprovalPolicy;
  decidedBy: string[];
  /** Checkers in the order of their first vote or comment: the researcher sees them as "Checker 1", "Checker 2", ... */
  checkers: string[];
  links: DownloadLink[];
  history: TurnRecord[];
  reason?: string;
};

export type ExistingRequest = RequestData & { status: RequestStatus };
export type RequestState = { status: 'none' } | ExistingRequest;

export const initialState: RequestState = { status: 'none' };

/** Files that leave the TRE when approved; supporting files never do. */
export function releasableFiles(state: ExistingRequest): RequestFile[] {
  return state.files.filter((f) => f.kind !== 'supporting');
}

/** Where approved files go: the released bucket for exports, the imported bucket for imports. */
export function releaseDestination(state: Pick<RequestData, 'direction'>): ReleaseDestination {
  return state.direction === 'import' ? 'imported' : 'released';
}
