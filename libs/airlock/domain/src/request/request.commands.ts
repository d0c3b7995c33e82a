import type { Actor } from '../identity/actor';
import type { ApprovalPolicy, CheckFinding, CheckVerdict, FileKind, ScanOutcome, VoteDecision } from './request.events';

// Every command carries who acts and when; the domain never reads a clock or the environment.
type Command<TType extends string, TData> = { type: TType; actor: Actor; at: string; data: TData };

export type CreateRequest = Command<'CreateRequest', { requestId: string; projectId: string; title: string }>;
export type AddFile = Command<
  'AddFile',
  { fileId: string; name: string; kind: FileKind; sha256: string; size: number; draftKey: string }
>;
/** The handler freezes each file into quarantine first and passes the keys it wrote. */
export type Submit = Command<'Submit', { quarantineKeys: Record<string, string> }>;
export type StartChecks = Command<'StartChecks', { turn: number }>;
/** An infected file must already have been moved to the blocked bucket: `blockedKey` says where. */
export type RecordScan = Command<
  'RecordScan',
  { turn: number; fileId: string; sha256: string; result: ScanOutcome; blockedKey?: string }
>;
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
export type CastVote = Command<
  'CastVote',
  {
    fileId: string;
    decision: VoteDecision;
    comment?: string;
    overrideJustification?: string;
    policy: ApprovalPolicy;
  }
>;
/** The handler has copied the file to the released bucket and verified its SHA-256. */
export type ReleaseFile = Command<'ReleaseFile', { fileId: string; verifiedSha256: string; releasedKey: string }>;
export type FailRequest = Command<'FailRequest', { reason: string }>;
export type RecordDownload = Command<'RecordDownload', { fileId: string }>;

export type RequestCommand =
  | CreateRequest
  | AddFile
  | Submit
  | StartChecks
  | RecordScan
  | RecordCheck
  | CastVote
  | ReleaseFile
  | FailRequest
  | RecordDownload;
