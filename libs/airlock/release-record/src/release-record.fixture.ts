import { DEFAULT_APPROVAL_POLICY, type RequestEvent } from '@airlock/domain';
import type { RecordedEvent } from './release-record.types';

// A request's stream as the event store would hold it, for the record's tests: returned for
// changes in turn 1, resubmitted with one file replaced, approved and released in turn 2.
export const REQUEST_ID = '0d6c1f3e-6a51-4d55-9d1f-1c1b1f9b6a01';
export const SHA = { admissions: 'a'.repeat(64), risky: 'b'.repeat(64), fixed: 'c'.repeat(64) };
export const PRIVATE_NOTE = 'Ward C looks like it could be re-identified';
export const OVERRIDE = 'Cell is a structural zero, not disclosive';
const POLICY = DEFAULT_APPROVAL_POLICY;
const RULES = { threshold: 10, zerosAreDisclosive: true, p: 0.1 };
const people = {
  alice: { userId: 'alice', roles: ['researcher'] },
  chris: { userId: 'chris', roles: ['output_checker'] },
  dana: { userId: 'dana', roles: ['output_checker'] },
  root: { userId: 'root', roles: ['administrator'] },
  system: { userId: 'system', roles: ['system'] },
} as const;
type Who = keyof typeof people;

export class StreamBuilder {
  private readonly events: RecordedEvent[] = [];
  private minute = 0;

  add(who: Who, event: RequestEvent): this {
    this.minute += 1;
    const time = new Date(Date.UTC(2026, 10, 28, 12, this.minute)).toISOString();
    this.events.push({ id: `evt-${this.events.length + 1}`, time, streamVersion: this.events.length + 1, actor: people[who], event });
    return this;
  }

  get at(): string {
    return new Date(Date.UTC(2026, 10, 28, 12, this.minute + 1)).toISOString();
  }

  build(): RecordedEvent[] {
    return [...this.events];
  }
}

const file = (fileId: string, name: string, sha256: string, turn: number) => ({
  fileId,
  name,
  group: 'outputs',
  kind: 'output' as const,
  sha256,
  size: 42,
  quarantineKey: `requests/${REQUEST_ID}/turn-${turn}/${sha256}`,
});
const clean = { status: 'clean' as const, engine: 'ClamAV 1.4' };
const requestId = REQUEST_ID;

function checked(s: StreamBuilder, turn: number, fileId: string, sha256: string, verdict: 'pass' | 'fail'): void {
  const findings =
    verdict === 'fail'
      ? [{ rule: 'threshold', verdict: 'fail' as const, cells: [{ row: 0, column: 2 }], message: '1 cell has fewer than 10 contributors' }]
      : [];
  s.add('system', { type: 'FileScanned', data: { requestId, turn, fileId, sha256, result: clean, scannedAt: s.at } });
  s.add('system', {
    type: 'FileChecked',
    data: { requestId, turn, fileId, sha256, verdict, fileType: 'csv', findings, rulesVersion: '0.5.0', policy: RULES, checkedAt: s.at },
  });
}

/** Turn 1 returned for changes; turn 2 approved by both checkers and released. */
export function releasedStream(): StreamBuilder {
  const s = new StreamBuilder();
  const groups = [{ group: 'outputs', context: 'Admissions by ward', controls: 'Counts under 10 suppressed' }];
  s.add('alice', { type: 'RequestCreated', data: { requestId, projectId: 'proj-1', title: 'Admissions', authorId: 'alice', createdAt: s.at } });
  s.add('alice', { type: 'GroupDefined', data: { requestId, ...groups[0], definedAt: s.at } });
  const turn1 = [file('f-adm', 'admissions.csv', SHA.admissions, 1), file('f-risky', 'by-ward.csv', SHA.risky, 1)];
  s.add('alice', {
    type: 'RequestSubmitted',
    data: {
      requestId,
      turn: 1,
      files: turn1,
      groups,
      policy: POLICY,
      disclosure: { minCellCount: 10 },
      carriedVotes: [],
      submittedBy: 'alice',
      submittedAt: s.at,
    },
  });
  s.add('system', { type: 'ChecksStarted', data: { requestId, turn: 1, startedAt: s.at } });
  checked(s, 1, 'f-adm', SHA.admissions, 'pass');
  checked(s, 1, 'f-risky', SHA.risky, 'fail');
  s.add('system', { type: 'ReviewOpened', data: { requestId, turn: 1, openedAt: s.at } });
  s.add('alice', {
    type: 'ExceptionRequested',
    data: { requestId, turn: 1, fileId: 'f-risky', rule: 'threshold', justification: 'Zero by design', requestedBy: 'alice', requestedAt: s.at },
  });
  s.add('chris', {
    type: 'VoteCast',
    data: { requestId, turn: 1, fileId: 'f-adm', sha256: SHA.admissions, checkerId: 'chris', decision: 'approve', castAt: s.at },
  });
  s.add('chris', {
    type: 'VoteCast',
    data: { requestId, turn: 1, fileId: 'f-risky', sha256: SHA.risky, checkerId: 'chris', decision: 'approve', overrideJustification: OVERRIDE, castAt: s.at },
  });
  s.add('chris', {
    type: 'CommentAdded',
    data: { requestId, turn: 1, fileId: 'f-risky', authorId: 'chris', comment: { text: PRIVATE_NOTE, visibility: 'private' }, addedAt: s.at },
  });
  s.add('dana', {
    type: 'VoteCast',
    data: { requestId, turn: 1, fileId: 'f-adm', sha256: SHA.admissions, checkerId: 'dana', decision: 'approve', castAt: s.at },
  });
  s.add('dana', {
    type: 'VoteCast',
    data: {
      requestId,
      turn: 1,
      fileId: 'f-risky',
      sha256: SHA.risky,
      checkerId: 'dana',
      decision: 'request_changes',
      comment: { text: 'Suppress ward C', visibility: 'public' },
      castAt: s.at,
    },
  });
  s.add('dana', { type: 'ChangesRequested', data: { requestId, turn: 1, policy: POLICY, requestedBy: ['dana'], decidedAt: s.at } });
  s.add('alice', { type: 'FileRemoved', data: { requestId, fileId: 'f-risky', removedAt: s.at } });
  s.add('alice', {
    type: 'FileUploaded',
    data: { requestId, fileId: 'f-fixed', name: 'by-ward.csv', group: 'outputs', kind: 'output', sha256: SHA.fixed, size: 42, draftKey: 'd', uploadedAt: s.at },
  });
  const turn2 = [file('f-adm', 'admissions.csv', SHA.admissions, 2), file('f-fixed', 'by-ward.csv', SHA.fixed, 2)];
  const carriedVotes = ['chris', 'dana'].map((checkerId) => ({ fileId: 'f-adm', sha256: SHA.admissions, checkerId, castInTurn: 1 }));
  s.add('alice', {
    type: 'RequestSubmitted',
    data: { requestId, turn: 2, files: turn2, groups, policy: POLICY, disclosure: { minCellCount: 10 }, carriedVotes, submittedBy: 'alice', submittedAt: s.at },
  });
  s.add('system', { type: 'ChecksStarted', data: { requestId, turn: 2, startedAt: s.at } });
  checked(s, 2, 'f-adm', SHA.admissions, 'pass');
  checked(s, 2, 'f-fixed', SHA.fixed, 'pass');
  s.add('system', { type: 'ReviewOpened', data: { requestId, turn: 2, openedAt: s.at } });
  s.add('dana', { type: 'VoteCast', data: { requestId, turn: 2, fileId: 'f-fixed', sha256: SHA.fixed, checkerId: 'dana', decision: 'approve', castAt: s.at } });
  s.add('chris', {
    type: 'VoteCast',
    data: { requestId, turn: 2, fileId: 'f-fixed', sha256: SHA.fixed, checkerId: 'chris', decision: 'approve', castAt: s.at },
  });
  s.add('chris', { type: 'RequestApproved', data: { requestId, turn: 2, policy: POLICY, approvers: ['chris', 'dana'], decidedAt: s.at } });
  for (const [fileId, sha256, name] of [
    ['f-adm', SHA.admissions, 'admissions.csv'],
    ['f-fixed', SHA.fixed, 'by-ward.csv'],
  ]) {
    s.add('system', {
      type: 'FileReleased',
      data: { requestId, turn: 2, fileId, sha256, releasedKey: `requests/${REQUEST_ID}/turn-2/${fileId}/${name}`, releasedAt: s.at },
    });
  }
  s.add('system', { type: 'RequestReleased', data: { requestId, turn: 2, releasedAt: s.at } });
  return s;
}

export function revoked(s: StreamBuilder): StreamBuilder {
  s.add('root', { type: 'RequestRevoked', data: { requestId, turn: 2, reason: 'Found disclosive after release', revokedBy: 'root', revokedAt: s.at } });
  for (const [fileId, sha256, name] of [
    ['f-adm', SHA.admissions, 'admissions.csv'],
    ['f-fixed', SHA.fixed, 'by-ward.csv'],
  ]) {
    s.add('system', {
      type: 'ReleasedFileWithdrawn',
      data: { requestId, fileId, sha256, releasedKey: `requests/${REQUEST_ID}/turn-2/${fileId}/${name}`, withdrawnAt: s.at },
    });
  }
  return s;
}
