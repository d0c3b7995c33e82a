import { fold, pseudonymForResearcher, type RequestState } from '@airlock/domain';
import { buildReleaseRecord } from './release-record.build';
import { OVERRIDE, PRIVATE_NOTE, REQUEST_ID, SHA, releasedStream, revoked } from './release-record.fixture';
import type { RecordedEvent } from './release-record.types';

const stateOf = (events: RecordedEvent[]): RequestState => fold(events.map((e) => e.event));
const recordOf = (events: RecordedEvent[], audience: 'tre' | 'author' = 'tre') => buildReleaseRecord(stateOf(events), events, { audience });

describe('release record', () => {
  const events = releasedStream().build();
  const record = recordOf(events);

  it('names the request, project, author, record version and the released turn', () => {
    expect(record).toMatchObject({
      recordType: 'airlock.release-record',
      recordVersion: '1.0',
      audience: 'tre',
      request: { requestId: REQUEST_ID, title: 'Admissions', status: 'released', turns: 2 },
      project: { projectId: 'proj-1' },
      author: { userId: 'alice' },
      release: { turn: 2, approvers: ['chris', 'dana'] },
    });
    expect(record.turns.map((t) => t.turn)).toEqual([1, 2]);
  });

  it('lists the released files with their SHA-256, size, kind, group and object keys', () => {
    expect(record.files).toEqual([
      expect.objectContaining({
        fileId: 'f-adm',
        name: 'admissions.csv',
        sha256: SHA.admissions,
        size: 42,
        kind: 'output',
        group: 'outputs',
        released: true,
        releasedKey: `requests/${REQUEST_ID}/turn-2/f-adm/admissions.csv`,
      }),
      expect.objectContaining({ fileId: 'f-fixed', sha256: SHA.fixed, released: true, releasedKey: `requests/${REQUEST_ID}/turn-2/f-fixed/by-ward.csv` }),
    ]);
    expect(record.release.files.map((f) => f.sha256)).toEqual([SHA.admissions, SHA.fixed]);
    expect(record.groups).toEqual([{ group: 'outputs', context: 'Admissions by ward', controls: 'Counts under 10 suppressed' }]);
  });

  it("records the rules version, the thresholds and the parameters applied, and each file's findings and verdict", () => {
    expect(record.disclosureControl).toEqual({
      thresholds: { minCellCount: 10 },
      rules: [{ rulesVersion: '0.5.0', policy: { threshold: 10, zerosAreDisclosive: true, p: 0.1 }, fileIds: ['f-adm', 'f-fixed'] }],
    });
    const risky = record.turns[0].files.find((f) => f.fileId === 'f-risky');
    expect(risky?.check).toMatchObject({ verdict: 'fail', rulesVersion: '0.5.0', findings: [expect.objectContaining({ rule: 'threshold' })] });
    expect(risky?.scan).toMatchObject({ status: 'clean', engine: 'ClamAV 1.4' });
  });

  it('keeps every vote of both turns, with private comments, and the carried approvals of unchanged bytes', () => {
    const summary = record.votes.map((v) => [v.turn, v.fileId, v.checker, v.decision, v.carriedFromTurn ?? null]);
    expect(summary).toEqual([
      [1, 'f-adm', 'chris', 'approve', null],
      [1, 'f-adm', 'dana', 'approve', null],
      [1, 'f-risky', 'chris', 'approve', null],
      [1, 'f-risky', 'dana', 'request_changes', null],
      [2, 'f-adm', 'chris', 'approve', 1],
      [2, 'f-adm', 'dana', 'approve', 1],
      [2, 'f-fixed', 'dana', 'approve', null],
      [2, 'f-fixed', 'chris', 'approve', null],
    ]);
    expect(record.votes.every((v) => v.castAt)).toBe(true);
    expect(record.turns[0].comments).toEqual([expect.objectContaining({ author: 'chris', visibility: 'private', text: PRIVATE_NOTE })]);
    expect(record.votes.find((v) => v.decision === 'request_changes')?.comment).toEqual({ text: 'Suppress ward C', visibility: 'public' });
  });

  it('records overrides with their justification and the rules they overrode, and exception requests', () => {
    expect(record.overrides).toEqual([
      expect.objectContaining({ turn: 1, fileId: 'f-risky', checker: 'chris', failedRules: ['threshold'], justification: OVERRIDE, sha256: SHA.risky }),
    ]);
    expect(record.exceptions).toEqual([
      expect.objectContaining({ turn: 1, fileId: 'f-risky', rule: 'threshold', justification: 'Zero by design', requestedBy: 'alice' }),
    ]);
  });

  it('records each decision with the policy in force, and the lifecycle with times', () => {
    expect(record.approvalPolicy).toEqual({ requiredApprovals: 2, extraApprovalForReview: false, extraApprovalForKinds: [] });
    expect(record.decisions.map((d) => [d.turn, d.decision, d.by, d.policy.requiredApprovals])).toEqual([
      [1, 'changes_requested', ['dana'], 2],
      [2, 'approved', ['chris', 'dana'], 2],
    ]);
    expect(record.timeline.map((t) => t.type)).toEqual([
      'RequestCreated',
      'RequestSubmitted',
      'ChecksStarted',
      'ReviewOpened',
      'ExceptionRequested',
      'ChangesRequested',
      'RequestSubmitted',
      'ChecksStarted',
      'ReviewOpened',
      'RequestApproved',
      'RequestReleased',
    ]);
    expect(record.release.releasedAt).toBe(record.timeline[record.timeline.length - 1].time);
  });

  it('is the same document whatever happens after the release, except a revocation', () => {
    const later = releasedStream()
      .add('alice', {
        type: 'DownloadLinkIssued',
        data: {
          requestId: REQUEST_ID,
          fileId: 'f-adm',
          linkId: 'l1',
          issuedTo: 'alice',
          expiresAt: '2030-01-01T00:00:00.000Z',
          issuedAt: '2026-11-28T13:00:00.000Z',
        },
      })
      .add('chris', {
        type: 'CommentAdded',
        data: { requestId: REQUEST_ID, turn: 2, authorId: 'chris', comment: { text: 'late', visibility: 'private' }, addedAt: '2026-11-28T13:01:00.000Z' },
      })
      .build();
    expect(JSON.stringify(recordOf(later))).toBe(JSON.stringify(record));
    expect(JSON.stringify(recordOf(releasedStream().build()))).toBe(JSON.stringify(record));
  });

  it('after a revocation says who revoked it, why, and when each object was withdrawn', () => {
    const after = recordOf(revoked(releasedStream()).build());
    expect(after.request.status).toBe('revoked');
    expect(after.revocation).toMatchObject({
      revokedBy: 'root',
      reason: 'Found disclosive after release',
      withdrawn: [{ fileId: 'f-adm' }, { fileId: 'f-fixed' }],
    });
    expect(after.files.every((f) => f.released && f.withdrawnAt)).toBe(true);
    expect(after.timeline.map((t) => t.type).slice(-1)).toEqual(['RequestRevoked']);
  });

  it('refuses while the request has not been released', () => {
    const unreleased = events.filter((e) => !['FileReleased', 'RequestReleased'].includes(e.event.type));
    expect(() => recordOf(unreleased)).toThrow(expect.objectContaining({ code: 'WRONG_STATE' }));
    expect(() => buildReleaseRecord({ status: 'none' }, [])).toThrow(expect.objectContaining({ code: 'REQUEST_NOT_FOUND' }));
  });
});

describe("the author's copy", () => {
  const mine = recordOf(releasedStream().build(), 'author');
  const text = JSON.stringify(mine);

  it('has no private comments, no override reasoning and no checker or administrator ids', () => {
    expect(text).not.toContain(PRIVATE_NOTE);
    expect(text).not.toContain(OVERRIDE);
    expect(text).not.toMatch(/chris|dana|root/);
    expect(mine.overrides).toEqual([expect.objectContaining({ fileId: 'f-risky', failedRules: ['threshold'] })]);
    expect(mine.overrides[0]).not.toHaveProperty('justification');
  });

  it('keeps the public feedback, the hashes and stable pseudonyms', () => {
    expect(mine.audience).toBe('author');
    expect(mine.votes.find((v) => v.decision === 'request_changes')).toMatchObject({ checker: 'Checker 2', comment: { text: 'Suppress ward C' } });
    expect(mine.release.approvers).toEqual(['Checker 1', 'Checker 2']);
    expect(mine.files.map((f) => f.sha256)).toEqual([SHA.admissions, SHA.fixed]);
    expect(mine.author.userId).toBe('alice');
    const revokedCopy = recordOf(revoked(releasedStream()).build(), 'author');
    expect(revokedCopy.revocation?.revokedBy).toBe('Administrator 1');
  });

  it('names each checker as the request view does ("Checker N" by first act on the request)', () => {
    const events = releasedStream().build();
    const state = stateOf(events);
    if (state.status === 'none') throw new Error('no request');
    const full = recordOf(events);
    expect(mine.votes.map((v) => v.checker)).toEqual(full.votes.map((v) => pseudonymForResearcher(state, v.checker)));
  });
});
