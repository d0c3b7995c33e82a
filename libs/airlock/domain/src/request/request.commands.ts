import type { Actor } from '../identity/actor';
import type { ApprovalPolicy, DisclosureThresholds } from './approval-policy';
import type { ImportClassification, ImportPolicy, RequestDirection } from './import-policy';
import type { CheckFinding, CheckVerdict, Comment, FileKind, ScanOutcome, VoteDecision } from './request.events';

// Every command carries who acts and when; the domain never reads a clock or the environment.
type Command<TType extends string, TData> = { type: TType; actor: Actor; at: string; data: TData };

/** `direction` defaults to export. */
export type CreateRequest = Command<'CreateRequest', { requestId: string; projectId: string; title: string; direction?: RequestDirection }>;
export type DefineGroup = Command<'DefineGroup', { group: string; context: string; controls: string }>;
/**
 * Imports: the handler has classified the stored bytes (`content`, import-policy.ts) and passes the
 * project's allowed kinds, so a kind the project does not allow is refused at upload.
 */
export type AddFile = Command<
  'AddFile',
  {
    fileId: string;
    name: string;
    group: string;
    kind: FileKind;
    sha256: string;
    size: number;
    draftKey: string;
    importCheck?: { content: ImportClassification; allowedKinds: ImportPolicy['allowedKinds'] };
  }
>;
export type RemoveFile = Command<'RemoveFile', { fileId: string }>;
/** The handler freezes each file into quarantine first and passes the keys it wrote, and the project's policy. */
/** An import's submission also carries the project's import policy (`imports`), checked against every file's kind. */
export type Submit = Command<
  'Submit',
  { quarantineKeys: Record<string, string>; policy: ApprovalPolicy; disclosure: DisclosureThresholds; imports?: ImportPolicy }
>;
export type Withdraw = Command<'Withdraw', Record<string, never>>;
export type StartChecks = Command<'StartChecks', { turn: number }>;
/** An infected file must already have been moved to the blocked bucket: `blockedKey` says where. */
export type RecordScan = Command<'RecordScan', { turn: number; fileId: string; sha256: string; result: ScanOutcome; blockedKey?: string }>;
export type RecordCheck = Command<
  'RecordCheck',
  {
    turn: number;
    fileId: string;
    sha256: string;
    verdict: CheckVerdict;
    fileType: string;
    findings: CheckFinding[];
    rulesVersion: string;
    policy: Record<string, unknown>;
  }
>;
export type RequestException = Command<'RequestException', { fileId: string; rule: string; justification: string }>;
export type CastVote = Command<'CastVote', { fileId: string; decision: VoteDecision; comment?: Comment; overrideJustification?: string }>;
export type AddComment = Command<'AddComment', { fileId?: string; comment: Comment }>;
/** The handler has copied the file to the released bucket and verified its SHA-256. */
export type ReleaseFile = Command<'ReleaseFile', { fileId: string; verifiedSha256: string; releasedKey: string }>;
export type IssueDownloadLink = Command<'IssueDownloadLink', { fileId: string; linkId: string; expiresAt: string }>;
export type RecordDownload = Command<'RecordDownload', { linkId: string }>;
export type Revoke = Command<'Revoke', { reason: string }>;
/** The handler has removed the released object. */
export type WithdrawReleasedFile = Command<'WithdrawReleasedFile', { fileId: string }>;
/** The handler has copied the file to the rejected bucket (hash verified) and removed it from quarantine. */
export type MoveRejectedFile = Command<'MoveRejectedFile', { fileId: string; rejectedKey: string }>;
export type FailRequest = Command<'FailRequest', { reason: string }>;

export type RequestCommand =
  | CreateRequest
  | DefineGroup
  | AddFile
  | RemoveFile
  | Submit
  | Withdraw
  | StartChecks
  | RecordScan
  | RecordCheck
  | RequestException
  | CastVote
  | AddComment
  | ReleaseFile
  | IssueDownloadLink
  | RecordDownload
  | Revoke
  | WithdrawReleasedFile
  | MoveRejectedFile
  | FailRequest;
