import type { Actor } from '../identity/actor';
import { SYSTEM_ACTOR } from '../identity/actor';
import type { RequestCommand } from './request.commands';
import type { ApprovalPolicy, RequestEvent, ScanOutcome } from './request.events';

// Fluent builders for domain tests: aRequest().withFiles(2).submitted().build()
export const AT = '2026-11-28T12:00:00.000Z';
export const AUTHOR: Actor = { userId: 'alice', roles: ['researcher'] };
export const CHECKER_1: Actor = { userId: 'chris', roles: ['output_checker'] };
export const CHECKER_2: Actor = { userId: 'dana', roles: ['output_checker'] };
export const CHECKER_3: Actor = { userId: 'erin', roles: ['output_checker'] };
export const TWO_APPROVALS: ApprovalPolicy = { requiredApprovals: 2 };
export const CLEAN: ScanOutcome = { status: 'clean', engine: 'ClamAV test' };

export const sha = (fileId: string) => fileId.padEnd(64, '0').slice(0, 64);

export class RequestBuilder {
  private readonly events: RequestEvent[] = [];
  private fileIds: string[] = [];
  private turn = 0;

  constructor(readonly requestId = 'req-1') {
    this.events.push({
      type: 'RequestCreated',
      data: { requestId, projectId: 'proj-1', title: 'Table 1', authorId: AUTHOR.userId, createdAt: AT },
    });
  }

  withFiles(count: number, kind: 'output' | 'supporting' | 'code' = 'output'): this {
    for (let i = 0; i < count; i += 1) {
      const fileId = `f${this.fileIds.length + 1}`;
      this.fileIds.push(fileId);
      this.events.push({
        type: 'FileUploaded',
        data: { requestId: this.requestId, fileId, name: `${fileId}.csv`, kind, sha256: sha(fileId), size: 100, draftKey: `draft/${fileId}`, uploadedAt: AT },
      });
    }
    return this;
  }

  submitted(): this {
    this.turn += 1;
    const files = this.fileIds.map((fileId) => ({
      fileId, name: `${fileId}.csv`, kind: 'output' as const, sha256: sha(fileId), size: 100, quarantineKey: `q/${fileId}`,
    }));
    this.events.push({ type: 'RequestSubmitted', data: { requestId: this.requestId, turn: this.turn, files, submittedBy: AUTHOR.userId, submittedAt: AT } });
    return this;
  }

  checking(): this {
    this.events.push({ type: 'ChecksStarted', data: { requestId: this.requestId, turn: this.turn, startedAt: AT } });
    return this;
  }

  scanned(result: ScanOutcome = CLEAN, fileIds = this.fileIds): this {
    for (const fileId of fileIds) {
      this.events.push({ type: 'FileScanned', data: { requestId: this.requestId, turn: this.turn, fileId, sha256: sha(fileId), result, scannedAt: AT } });
    }
    return this;
  }

  checked(verdict: 'pass' | 'fail' | 'review' = 'pass', fileIds = this.fileIds): this {
    for (const fileId of fileIds) {
      this.events.push({
        type: 'FileChecked',
        data: { requestId: this.requestId, turn: this.turn, fileId, sha256: sha(fileId), verdict, fileType: 'csv', findings: [], rulesVersion: 'test', policy: {}, checkedAt: AT },
      });
    }
    return this;
  }

  awaitingReview(verdict: 'pass' | 'fail' | 'review' = 'pass', scan: ScanOutcome = CLEAN): this {
    this.checking().scanned(scan).checked(verdict);
    this.events.push({ type: 'ReviewOpened', data: { requestId: this.requestId, turn: this.turn, openedAt: AT } });
    return this;
  }

  votedBy(checker: Actor, decision: 'approve' | 'reject' = 'approve', fileIds = this.fileIds): this {
    for (const fileId of fileIds) {
      this.events.push({
        type: 'VoteCast',
        data: { requestId: this.requestId, turn: this.turn, fileId, sha256: sha(fileId), checkerId: checker.userId, decision, castAt: AT },
      });
    }
    return this;
  }

  approved(): this {
    this.votedBy(CHECKER_1).votedBy(CHECKER_2);
    this.events.push({
      type: 'RequestApproved',
      data: { requestId: this.requestId, turn: this.turn, approvers: [CHECKER_1.userId, CHECKER_2.userId], policy: TWO_APPROVALS, approvedAt: AT },
    });
    return this;
  }

  released(): this {
    for (const fileId of this.fileIds) {
      this.events.push({ type: 'FileReleased', data: { requestId: this.requestId, turn: this.turn, fileId, sha256: sha(fileId), releasedKey: `r/${fileId}`, releasedAt: AT } });
    }
    this.events.push({ type: 'RequestReleased', data: { requestId: this.requestId, turn: this.turn, releasedAt: AT } });
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
): Extract<RequestCommand, { type: T }> {
  return { type, actor, at: AT, data } as Extract<RequestCommand, { type: T }>;
}

export const system = SYSTEM_ACTOR;
