import type { Actor } from '../identity/actor';
import { SYSTEM_ACTOR } from '../identity/actor';
import { DEFAULT_APPROVAL_POLICY, type ApprovalPolicy } from './approval-policy';
import type { RequestCommand } from './request.commands';
import type { CheckVerdict, FileKind, RequestEvent, ScanOutcome, VoteDecision } from './request.events';

// Fluent builders for domain tests: aRequest().withFiles(2).submitted().awaitingReview().build()
export const AT = '2026-11-28T12:00:00.000Z';
export const LATER = '2026-11-28T12:30:00.000Z';
const ACCREDITED = '2027-11-28T00:00:00.000Z';
export const AUTHOR: Actor = { userId: 'alice', roles: ['researcher'], accreditedUntil: ACCREDITED, projectIds: ['proj-1'] };
export const CHECKER_1: Actor = { userId: 'chris', roles: ['output_checker'], accreditedUntil: ACCREDITED, projectIds: [], checksProjectIds: ['proj-1'] };
export const CHECKER_2: Actor = { userId: 'dana', roles: ['output_checker'], accreditedUntil: ACCREDITED, projectIds: [], checksProjectIds: ['proj-1'] };
export const CHECKER_3: Actor = { userId: 'erin', roles: ['output_checker'], accreditedUntil: ACCREDITED, projectIds: [], checksProjectIds: ['proj-1'] };
export const ADMIN: Actor = { userId: 'root', roles: ['administrator'], projectIds: [] };
export const TWO_APPROVALS: ApprovalPolicy = DEFAULT_APPROVAL_POLICY;
export const CLEAN: ScanOutcome = { status: 'clean', engine: 'ClamAV test' };
export const GROUP = 'tables';

export const sha = (fileId: string, version = 0) => `${fileId}-${version}`.padEnd(64, '0').slice(0, 64);

type BuiltFile = { fileId: string; kind: FileKind; version: number };

export class RequestBuilder {
  private readonly events: RequestEvent[] = [];
  private files: BuiltFile[] = [];
  private turn = 0;
  private policy: ApprovalPolicy = TWO_APPROVALS;

  constructor(readonly requestId = 'req-1') {
    this.events.push(
      { type: 'RequestCreated', data: { requestId, projectId: 'proj-1', title: 'Table 1', authorId: AUTHOR.userId, createdAt: AT } },
      { type: 'GroupDefined', data: { requestId, group: GROUP, context: 'Counts of admissions', controls: 'Rounded to 5', definedAt: AT } },
    );
  }

  private get ids(): string[] {
    return this.files.map((f) => f.fileId);
  }

  private shaOf(fileId: string): string {
    return sha(fileId, this.files.find((f) => f.fileId === fileId)?.version ?? 0);
  }

  withPolicy(policy: Partial<ApprovalPolicy>): this {
    this.policy = { ...this.policy, ...policy };
    return this;
  }

  withFiles(count: number, kind: FileKind = 'output'): this {
    for (let i = 0; i < count; i += 1) {
      const fileId = `f${this.files.length + 1}`;
      this.files.push({ fileId, kind, version: 0 });
      this.uploaded(fileId, kind, 0);
    }
    return this;
  }

  private uploaded(fileId: string, kind: FileKind, version: number): void {
    this.events.push({
      type: 'FileUploaded',
      data: {
        requestId: this.requestId,
        fileId,
        name: `${fileId}.csv`,
        group: GROUP,
        kind,
        sha256: sha(fileId, version),
        size: 100,
        draftKey: `draft/${fileId}`,
        uploadedAt: AT,
      },
    });
  }

  /** In changes_requested: replace a file's bytes (remove + upload under the same id for simplicity). */
  changed(fileId: string): this {
    const file = this.files.find((f) => f.fileId === fileId) as BuiltFile;
    file.version += 1;
    this.events.push({ type: 'FileRemoved', data: { requestId: this.requestId, fileId, removedAt: AT } });
    this.uploaded(fileId, file.kind, file.version);
    return this;
  }

  submitted(carried: { fileId: string; checkerId: string }[] = []): this {
    this.turn += 1;
    const files = this.files.map((f) => ({
      fileId: f.fileId,
      name: `${f.fileId}.csv`,
      group: GROUP,
      kind: f.kind,
      sha256: sha(f.fileId, f.version),
      size: 100,
      quarantineKey: `q/${f.fileId}/${this.turn}`,
    }));
    const carriedVotes = carried.map((c) => ({ ...c, sha256: this.shaOf(c.fileId), castInTurn: this.turn - 1 }));
    this.events.push({
      type: 'RequestSubmitted',
      data: {
        requestId: this.requestId,
        turn: this.turn,
        files,
        policy: this.policy,
        disclosure: {},
        carriedVotes,
        groups: [{ group: GROUP, context: 'Counts of admissions', controls: 'Rounded to 5' }],
        submittedBy: AUTHOR.userId,
        submittedAt: AT,
      },
    });
    return this;
  }

  checking(): this {
    this.events.push({ type: 'ChecksStarted', data: { requestId: this.requestId, turn: this.turn, startedAt: AT } });
    return this;
  }

  scanned(result: ScanOutcome = CLEAN, fileIds = this.ids): this {
    for (const fileId of fileIds) {
      this.events.push({
        type: 'FileScanned',
        data: { requestId: this.requestId, turn: this.turn, fileId, sha256: this.shaOf(fileId), result, scannedAt: AT },
      });
    }
    return this;
  }

  checked(verdict: CheckVerdict = 'pass', fileIds = this.ids): this {
    for (const fileId of fileIds) {
      const findings =
        verdict === 'pass' ? [] : [{ rule: 'threshold', verdict, cells: [{ row: 0, column: 1 }], message: '1 cell has fewer than 10 contributors' }];
      this.events.push({
        type: 'FileChecked',
        data: {
          requestId: this.requestId,
          turn: this.turn,
          fileId,
          sha256: this.shaOf(fileId),
          verdict,
          fileType: 'csv',
          findings,
          rulesVersion: 'test',
          policy: {},
          checkedAt: AT,
        },
      });
    }
    return this;
  }

  awaitingReview(verdict: CheckVerdict = 'pass', scan: ScanOutcome = CLEAN): this {
    this.checking().scanned(scan).checked(verdict);
    this.events.push({ type: 'ReviewOpened', data: { requestId: this.requestId, turn: this.turn, openedAt: AT } });
    return this;
  }

  votedBy(checker: Actor, decision: VoteDecision = 'approve', fileIds = this.ids, overrideJustification?: string): this {
    for (const fileId of fileIds) {
      this.events.push({
        type: 'VoteCast',
        data: {
          requestId: this.requestId,
          turn: this.turn,
          fileId,
          sha256: this.shaOf(fileId),
          checkerId: checker.userId,
          decision,
          castAt: AT,
          ...(overrideJustification ? { overrideJustification } : {}),
        },
      });
    }
    return this;
  }

  changesRequested(): this {
    this.votedBy(CHECKER_1).votedBy(CHECKER_2, 'request_changes');
    this.events.push({
      type: 'ChangesRequested',
      data: { requestId: this.requestId, turn: this.turn, policy: this.policy, requestedBy: [CHECKER_2.userId], decidedAt: AT },
    });
    return this;
  }

  approved(): this {
    this.votedBy(CHECKER_1).votedBy(CHECKER_2);
    this.events.push({
      type: 'RequestApproved',
      data: { requestId: this.requestId, turn: this.turn, approvers: [CHECKER_1.userId, CHECKER_2.userId], policy: this.policy, decidedAt: AT },
    });
    return this;
  }

  released(): this {
    for (const f of this.files.filter((x) => x.kind !== 'supporting')) {
      this.events.push({
        type: 'FileReleased',
        data: { requestId: this.requestId, turn: this.turn, fileId: f.fileId, sha256: this.shaOf(f.fileId), releasedKey: `r/${f.fileId}`, releasedAt: AT },
      });
    }
    this.events.push({ type: 'RequestReleased', data: { requestId: this.requestId, turn: this.turn, releasedAt: AT } });
    return this;
  }

  withLink(linkId: string, fileId = 'f1', expiresAt = LATER): this {
    this.events.push({ type: 'DownloadLinkIssued', data: { requestId: this.requestId, fileId, linkId, issuedTo: AUTHOR.userId, expiresAt, issuedAt: AT } });
    return this;
  }

  revoked(): this {
    this.events.push({
      type: 'RequestRevoked',
      data: { requestId: this.requestId, turn: this.turn, reason: 'disclosive', revokedBy: ADMIN.userId, revokedAt: AT },
    });
    return this;
  }

  build(): RequestEvent[] {
    return [...this.events];
  }
}

export const aRequest = (requestId?: string) => new RequestBuilder(requestId);

export function command<T extends RequestCommand['type']>(
  type: T,
  actor: Actor,
  data: Extract<RequestCommand, { type: T }>['data'],
  at = AT,
): Extract<RequestCommand, { type: T }> {
  return { type, actor, at, data } as Extract<RequestCommand, { type: T }>;
}

export const system = SYSTEM_ACTOR;
export const submitData = (keys: Record<string, string>, policy: ApprovalPolicy = TWO_APPROVALS) => ({ quarantineKeys: keys, policy, disclosure: {} });
