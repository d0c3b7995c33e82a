import { deciderSpec } from '../testing/decider-spec';
import { decide } from './request.decide';
import { evolve, fold } from './request.evolve';
import { initialState, type ExistingRequest } from './request.state';
import { availableActions } from './request.actions';
import {
  ADMIN,
  AT,
  AUTHOR,
  CHECKER_1,
  CHECKER_2,
  CHECKER_3,
  CLEAN,
  GROUP,
  LATER,
  TWO_APPROVALS,
  aRequest,
  command,
  sha,
  submitData,
  system,
} from './request.builders';

const spec = deciderSpec({ decide, evolve, initialState });
const types = (check: string[]) => (events: { type: string }[]) => expect(events.map((e) => e.type)).toEqual(check);
const vote = (decision: 'approve' | 'request_changes' | 'reject', fileId = 'f1', extra: { overrideJustification?: string } = {}) => ({
  fileId,
  decision,
  ...extra,
});
const EXPIRED = { ...AUTHOR, accreditedUntil: '2026-01-01T00:00:00.000Z' };
const file = { fileId: 'f9', name: 'table.csv', group: GROUP, kind: 'output' as const, sha256: sha('f9'), size: 10, draftKey: 'd/f9' };

describe('creating a request', () => {
  it('records the author and project', () => {
    spec
      .given([])
      .when(command('CreateRequest', AUTHOR, { requestId: 'req-1', projectId: 'proj-1', title: 'Table 1' }))
      .then([
        { type: 'RequestCreated', data: { requestId: 'req-1', projectId: 'proj-1', title: 'Table 1', authorId: 'alice', direction: 'export', createdAt: AT } },
      ]);
  });
  it.each([
    ['a second request with the same id', aRequest().build(), AUTHOR, 'proj-1', 'REQUEST_ALREADY_EXISTS'],
    ['someone without the researcher role', [], CHECKER_1, 'proj-1', 'ROLE_REQUIRED'],
    ['a researcher whose accreditation expired', [], EXPIRED, 'proj-1', 'NOT_ACCREDITED'],
    ['a researcher without accreditation', [], { ...AUTHOR, accreditedUntil: undefined }, 'proj-1', 'NOT_ACCREDITED'],
    ['a researcher outside the project', [], AUTHOR, 'proj-2', 'NOT_PROJECT_MEMBER'],
  ])('refuses %s', (_name, given, actor, projectId, code) => {
    spec
      .given(given)
      .when(command('CreateRequest', actor, { requestId: 'req-1', projectId, title: 't' }))
      .thenRefuses(code);
  });
});

describe('draft', () => {
  it('accepts a group and a file from the author', () => {
    spec
      .given(aRequest().build())
      .when(command('DefineGroup', AUTHOR, { group: 'figures', context: 'c', controls: 'k' }))
      .thenProduces(types(['GroupDefined']));
    spec
      .given(aRequest().build())
      .when(command('AddFile', AUTHOR, file))
      .thenProduces(types(['FileUploaded']));
  });
  it('removes a file', () => {
    spec
      .given(aRequest().withFiles(1).build())
      .when(command('RemoveFile', AUTHOR, { fileId: 'f1' }))
      .thenProduces(types(['FileRemoved']));
  });
  it.each([
    ['an empty file', aRequest().build(), AUTHOR, { ...file, size: 0 }, 'EMPTY_FILE'],
    ['a file from someone else', aRequest().build(), { ...AUTHOR, userId: 'bob' }, file, 'NOT_AUTHOR'],
    ['a file from the author with an expired accreditation', aRequest().build(), EXPIRED, file, 'NOT_ACCREDITED'],
    ['a second file with the same name', aRequest().withFiles(1).build(), AUTHOR, { ...file, name: 'f1.csv' }, 'FILE_NAME_TAKEN'],
    ['a file in a group that has no context yet', aRequest().build(), AUTHOR, { ...file, group: 'nope' }, 'UNKNOWN_GROUP'],
    ['uploads once submitted', aRequest().withFiles(1).submitted().build(), AUTHOR, file, 'WRONG_STATE'],
  ])('refuses %s', (_name, given, actor, data, code) => {
    spec
      .given(given)
      .when(command('AddFile', actor, data))
      .thenRefuses(code);
  });
  it('refuses to remove an unknown file or change groups after submission', () => {
    spec
      .given(aRequest().withFiles(1).build())
      .when(command('RemoveFile', AUTHOR, { fileId: 'nope' }))
      .thenRefuses('UNKNOWN_FILE');
    spec
      .given(aRequest().withFiles(1).submitted().build())
      .when(command('DefineGroup', AUTHOR, { group: 'g', context: 'c', controls: 'k' }))
      .thenRefuses('WRONG_STATE');
  });
  it('submits turn 1 with frozen keys, hashes, groups and the policy in force', () => {
    spec
      .given(aRequest().withFiles(1).build())
      .when(command('Submit', AUTHOR, submitData({ f1: 'q/f1' })))
      .thenProduces((events) => {
        expect(events).toEqual([expect.objectContaining({ type: 'RequestSubmitted' })]);
        expect(events[0].data).toMatchObject({
          turn: 1,
          carriedVotes: [],
          policy: { requiredApprovals: 2 },
          files: [{ fileId: 'f1', sha256: sha('f1'), quarantineKey: 'q/f1', group: GROUP }],
          groups: [{ group: GROUP, context: 'Counts of admissions', controls: 'Rounded to 5' }],
        });
      });
  });
  it.each([
    ['without files', aRequest().build(), submitData({}), 'NO_FILES'],
    ['with only supporting files', aRequest().withFiles(1, 'supporting').build(), submitData({ f1: 'q' }), 'NO_FILES'],
    ['a file that was not frozen', aRequest().withFiles(2).build(), submitData({ f1: 'q/f1' }), 'INVALID_COMMAND'],
    [
      'a group without controls',
      [
        ...aRequest().withFiles(1).build(),
        { type: 'GroupDefined' as const, data: { requestId: 'req-1', group: GROUP, context: 'c', controls: ' ', definedAt: AT } },
      ],
      submitData({ f1: 'q' }),
      'MISSING_CONTEXT',
    ],
  ])('refuses to submit %s', (_name, given, data, code) => {
    spec
      .given(given)
      .when(command('Submit', AUTHOR, data))
      .thenRefuses(code);
  });
  it('refuses a submit by someone who is not the author', () => {
    spec
      .given(aRequest().withFiles(1).build())
      .when(command('Submit', CHECKER_1, submitData({ f1: 'q' })))
      .thenRefuses('NOT_AUTHOR');
  });
});

describe('withdrawal', () => {
  it.each([
    ['draft', aRequest().withFiles(1)],
    ['submitted', aRequest().withFiles(1).submitted()],
    ['checking', aRequest().withFiles(1).submitted().checking()],
    ['awaiting review', aRequest().withFiles(1).submitted().awaitingReview()],
    ['changes requested', aRequest().withFiles(1).submitted().awaitingReview().changesRequested()],
  ])('lets the author withdraw a %s request', (_name, given) => {
    spec
      .given(given.build())
      .when(command('Withdraw', AUTHOR, {}))
      .thenProduces(types(['RequestWithdrawn']));
  });
  it('refuses withdrawal after the decision, and by anyone else', () => {
    spec
      .given(aRequest().withFiles(1).submitted().awaitingReview().approved().build())
      .when(command('Withdraw', AUTHOR, {}))
      .thenRefuses('WRONG_STATE');
    spec
      .given(aRequest().withFiles(1).build())
      .when(command('Withdraw', CHECKER_1, {}))
      .thenRefuses('NOT_AUTHOR');
  });
});

describe('automated checks', () => {
  const checking = () => aRequest().withFiles(1).submitted().checking();
  it('starts checks once per turn', () => {
    spec
      .given(aRequest().withFiles(1).submitted().build())
      .when(command('StartChecks', system, { turn: 1 }))
      .thenProduces(types(['ChecksStarted']));
    spec
      .given(checking().build())
      .when(command('StartChecks', system, { turn: 1 }))
      .thenNothingHappens();
  });
  it('refuses checks from a person', () => {
    spec
      .given(aRequest().withFiles(1).submitted().build())
      .when(command('StartChecks', AUTHOR, { turn: 1 }))
      .thenRefuses('ROLE_REQUIRED');
  });
  it('records a clean scan once; a redelivered scan changes nothing', () => {
    const scan = command('RecordScan', system, { turn: 1, fileId: 'f1', sha256: sha('f1'), result: CLEAN });
    spec
      .given(checking().build())
      .when(scan)
      .thenProduces(types(['FileScanned']));
    spec.given(checking().scanned().build()).when(scan).thenNothingHappens();
  });
  it('refuses a scan of other bytes than those frozen', () => {
    spec
      .given(checking().build())
      .when(command('RecordScan', system, { turn: 1, fileId: 'f1', sha256: sha('zz'), result: CLEAN }))
      .thenRefuses('HASH_MISMATCH');
  });
  it('blocks the request when malware is found', () => {
    const infected = { status: 'infected' as const, signature: 'Eicar-Test-Signature', engine: 'ClamAV' };
    const given = aRequest().withFiles(2).submitted().checking().build();
    spec
      .given(given)
      .when(command('RecordScan', system, { turn: 1, fileId: 'f2', sha256: sha('f2'), result: infected, blockedKey: 'b/f2' }))
      .thenProduces((events) => {
        types(['FileScanned', 'FileBlocked', 'RequestBlocked'])(events);
        expect(fold([...given, ...events]).status).toBe('blocked');
      });
  });
  it('refuses an infected result before the file was moved to the blocked bucket', () => {
    const infected = { status: 'infected' as const, signature: 'Eicar', engine: 'ClamAV' };
    spec
      .given(checking().build())
      .when(command('RecordScan', system, { turn: 1, fileId: 'f1', sha256: sha('f1'), result: infected }))
      .thenRefuses('INVALID_COMMAND');
  });
  it('ignores late results once the request is blocked or withdrawn', () => {
    const scan = command('RecordScan', system, { turn: 1, fileId: 'f1', sha256: sha('f1'), result: CLEAN });
    spec
      .given([...checking().build(), { type: 'RequestBlocked', data: { requestId: 'req-1', turn: 1, reason: 'x', blockedAt: AT } }])
      .when(scan)
      .thenNothingHappens();
    spec
      .given([...checking().build(), { type: 'RequestWithdrawn', data: { requestId: 'req-1', turn: 1, withdrawnBy: 'alice', withdrawnAt: AT } }])
      .when(scan)
      .thenNothingHappens();
  });
  const check = (turn = 1, fileId = 'f1') =>
    command('RecordCheck', system, { turn, fileId, sha256: sha(fileId), verdict: 'pass', fileType: 'csv', findings: [], rulesVersion: 'v', policy: {} });
  it('refuses a disclosure check before the malware scan', () => {
    spec.given(checking().build()).when(check()).thenRefuses('FILE_NOT_SCANNED');
  });
  it('opens review when the last file has its verdict', () => {
    spec
      .given(aRequest().withFiles(2).submitted().checking().scanned().checked('pass', ['f1']).build())
      .when(check(1, 'f2'))
      .thenProduces(types(['FileChecked', 'ReviewOpened']));
  });
  it('ignores a redelivered check of an earlier turn', () => {
    spec.given(checking().build()).when(check(0)).thenNothingHappens();
  });
});

describe('awaiting review', () => {
  const inReview = () => aRequest().withFiles(1).submitted().awaitingReview();
  it('records one approval without deciding', () => {
    spec
      .given(inReview().build())
      .when(command('CastVote', CHECKER_1, vote('approve')))
      .thenProduces(types(['VoteCast']));
  });
  it('approves when two distinct checkers approved every file, recording the policy', () => {
    spec
      .given(inReview().votedBy(CHECKER_1).build())
      .when(command('CastVote', CHECKER_2, vote('approve')))
      .thenProduces((events) => {
        types(['VoteCast', 'RequestApproved'])(events);
        expect(events[1]).toMatchObject({ data: { approvers: ['chris', 'dana'], policy: { requiredApprovals: 2 } } });
      });
  });
  it('returns the request for changes when a checker asks for them', () => {
    spec
      .given(inReview().votedBy(CHECKER_1).build())
      .when(command('CastVote', CHECKER_2, vote('request_changes')))
      .thenProduces(types(['VoteCast', 'ChangesRequested']));
  });
  it('rejects the request when a checker rejects a file', () => {
    spec
      .given(inReview().votedBy(CHECKER_1, 'request_changes').build())
      .when(command('CastVote', CHECKER_2, vote('reject')))
      .thenProduces(types(['VoteCast', 'RequestRejected']));
  });
  it('waits for every releasable file', () => {
    spec
      .given(aRequest().withFiles(2).submitted().awaitingReview().votedBy(CHECKER_1).votedBy(CHECKER_2, 'approve', ['f1']).build())
      .when(command('CastVote', CHECKER_3, vote('approve', 'f1')))
      .thenProduces(types(['VoteCast']));
  });
  it('does not wait for supporting files', () => {
    spec
      .given(aRequest().withFiles(1).withFiles(1, 'supporting').submitted().awaitingReview().votedBy(CHECKER_1, 'approve', ['f1']).build())
      .when(command('CastVote', CHECKER_2, vote('approve', 'f1')))
      .thenProduces(types(['VoteCast', 'RequestApproved']));
  });
  it('needs an extra approval for a review verdict when the policy says so', () => {
    const given = aRequest().withPolicy({ extraApprovalForReview: true }).withFiles(1).submitted().awaitingReview('review').votedBy(CHECKER_1);
    spec
      .given(given.build())
      .when(command('CastVote', CHECKER_2, vote('approve')))
      .thenProduces(types(['VoteCast']));
    spec
      .given(given.votedBy(CHECKER_2).build())
      .when(command('CastVote', CHECKER_3, vote('approve')))
      .thenProduces(types(['VoteCast', 'RequestApproved']));
  });
  it('needs an extra approval for code when the policy says so', () => {
    const given = aRequest()
      .withPolicy({ extraApprovalForKinds: ['code'] })
      .withFiles(1, 'code')
      .submitted()
      .awaitingReview()
      .votedBy(CHECKER_1);
    spec
      .given(given.build())
      .when(command('CastVote', CHECKER_2, vote('approve')))
      .thenProduces(types(['VoteCast']));
  });
  it.each([
    ['by the author', { ...AUTHOR, roles: ['researcher', 'output_checker'] as const }, vote('approve'), inReview(), 'SELF_REVIEW'],
    ['by someone who is not a checker', { ...AUTHOR, userId: 'bob' }, vote('approve'), inReview(), 'ROLE_REQUIRED'],
    ['by a checker whose accreditation expired', { ...CHECKER_1, accreditedUntil: '2026-01-01T00:00:00.000Z' }, vote('approve'), inReview(), 'NOT_ACCREDITED'],
    ['by a checker who is a member of the project', { ...CHECKER_1, projectIds: ['proj-1'] }, vote('approve'), inReview(), 'PROJECT_MEMBER_REVIEW'],
    ['by a checker assigned to another project', { ...CHECKER_1, checksProjectIds: ['proj-2'] }, vote('approve'), inReview(), 'NOT_ASSIGNED_CHECKER'],
    ['twice by the same checker on the same file', CHECKER_1, vote('approve'), inReview().votedBy(CHECKER_1), 'DUPLICATE_VOTE'],
    [
      'approving a failed file without a justification',
      CHECKER_1,
      vote('approve'),
      aRequest().withFiles(1).submitted().awaitingReview('fail'),
      'OVERRIDE_REQUIRED',
    ],
    [
      'approving a file that was not scanned',
      CHECKER_1,
      vote('approve'),
      aRequest().withFiles(1).submitted().awaitingReview('pass', { status: 'not_scanned', reason: 'none' }),
      'FILE_NOT_SCANNED',
    ],
    ['on an unknown file', CHECKER_1, vote('approve', 'nope'), inReview(), 'UNKNOWN_FILE'],
    ['before review opens', CHECKER_1, vote('approve'), aRequest().withFiles(1).submitted().checking(), 'WRONG_STATE'],
    ['after a decision', CHECKER_3, vote('approve'), inReview().approved(), 'WRONG_STATE'],
  ])('refuses a vote %s', (_name, actor, data, given, code) => {
    spec
      .given(given.build())
      .when(command('CastVote', actor, data))
      .thenRefuses(code);
  });
  it('accepts approval of a failed file with a justification', () => {
    spec
      .given(aRequest().withFiles(1).submitted().awaitingReview('fail').build())
      .when(command('CastVote', CHECKER_1, vote('approve', 'f1', { overrideJustification: 'Counts are of hospitals, not people' })))
      .thenProduces((events) => expect(events[0]).toMatchObject({ data: { overrideJustification: 'Counts are of hospitals, not people' } }));
  });
  it('lets the author ask for an exception on a finding, and comment in public only', () => {
    const failing = aRequest().withFiles(1).submitted().awaitingReview('fail').build();
    spec
      .given(failing)
      .when(command('RequestException', AUTHOR, { fileId: 'f1', rule: 'threshold', justification: 'Not people' }))
      .thenProduces(types(['ExceptionRequested']));
    spec
      .given(failing)
      .when(command('RequestException', AUTHOR, { fileId: 'f1', rule: 'dof', justification: 'x' }))
      .thenRefuses('UNKNOWN_FINDING');
    spec
      .given(failing)
      .when(command('AddComment', AUTHOR, { comment: { text: 'Why?', visibility: 'public' } }))
      .thenProduces(types(['CommentAdded']));
    spec
      .given(failing)
      .when(command('AddComment', AUTHOR, { comment: { text: 'psst', visibility: 'private' } }))
      .thenRefuses('INVALID_COMMAND');
    spec
      .given(failing)
      .when(command('AddComment', CHECKER_1, { fileId: 'f1', comment: { text: 'Check row 2', visibility: 'private' } }))
      .thenProduces(types(['CommentAdded']));
  });
});

describe('changes requested and resubmission', () => {
  const returned = () => aRequest().withFiles(2).submitted().awaitingReview().changesRequested();
  it('lets the author change files and resubmit as turn 2, keeping approvals of unchanged bytes only', () => {
    const given = returned().changed('f2').build();
    spec
      .given(given)
      .when(command('Submit', AUTHOR, submitData({ f1: 'q/f1/2', f2: 'q/f2/2' })))
      .thenProduces((events) => {
        expect(events[0]).toMatchObject({ type: 'RequestSubmitted', data: { turn: 2 } });
        // chris approved both files, dana asked for changes: only chris's approval of the unchanged f1 survives.
        expect(events[0].data).toMatchObject({ carriedVotes: [{ fileId: 'f1', checkerId: 'chris', sha256: sha('f1'), castInTurn: 1 }] });
        const after = fold([...given, ...events]) as ExistingRequest;
        expect(after.history).toHaveLength(1);
        expect(after.history[0]).toMatchObject({ turn: 1, outcome: 'changes_requested' });
        expect(after.files.find((f) => f.fileId === 'f2')?.votes).toEqual([]);
      });
  });
  it('keeps in the history the files turn 1 was reviewed with, not the ones the author edited afterwards', () => {
    const given = returned().changed('f2').build();
    spec
      .given(given)
      .when(command('Submit', AUTHOR, submitData({ f1: 'q/f1/2', f2: 'q/f2/2' })))
      .thenProduces((events) => {
        const after = fold([...given, ...events]) as ExistingRequest;
        const reviewed = after.history[0].files.find((f) => f.fileId === 'f2');
        expect(reviewed?.sha256).toBe(sha('f2'));
        expect(reviewed?.votes.map((v) => [v.checkerId, v.decision]).sort()).toEqual([
          ['chris', 'approve'],
          ['dana', 'request_changes'],
        ]);
        expect(after.files.find((f) => f.fileId === 'f2')?.sha256).not.toBe(sha('f2'));
      });
  });
  it('decides turn 2 with the carried approvals', () => {
    const turn2 = returned()
      .changed('f2')
      .submitted([{ fileId: 'f1', checkerId: 'chris' }])
      .awaitingReview()
      .votedBy(CHECKER_3, 'approve', ['f1'])
      .votedBy(CHECKER_1, 'approve', ['f2']);
    spec
      .given(turn2.build())
      .when(command('CastVote', CHECKER_3, vote('approve', 'f2')))
      .thenProduces(types(['VoteCast', 'RequestApproved']));
  });
  it('refuses a carried vote being cast again', () => {
    const turn2 = returned()
      .changed('f2')
      .submitted([{ fileId: 'f1', checkerId: 'chris' }])
      .awaitingReview();
    spec
      .given(turn2.build())
      .when(command('CastVote', CHECKER_1, vote('approve', 'f1')))
      .thenRefuses('DUPLICATE_VOTE');
  });
});

describe('release', () => {
  const approved = () => aRequest().withFiles(2).submitted().awaitingReview().approved();
  it('releases file by file, then the request', () => {
    spec
      .given(approved().build())
      .when(command('ReleaseFile', system, { fileId: 'f1', verifiedSha256: sha('f1'), releasedKey: 'r/f1' }))
      .thenProduces(types(['FileReleased']));
    const oneReleased = [
      ...approved().build(),
      { type: 'FileReleased' as const, data: { requestId: 'req-1', turn: 1, fileId: 'f1', sha256: sha('f1'), releasedKey: 'r/f1', releasedAt: AT } },
    ];
    spec
      .given(oneReleased)
      .when(command('ReleaseFile', system, { fileId: 'f2', verifiedSha256: sha('f2'), releasedKey: 'r/f2' }))
      .thenProduces(types(['FileReleased', 'RequestReleased']));
  });
  it('refuses to release bytes other than those approved, and ignores a release before approval', () => {
    spec
      .given(approved().build())
      .when(command('ReleaseFile', system, { fileId: 'f1', verifiedSha256: sha('zz'), releasedKey: 'r' }))
      .thenRefuses('HASH_MISMATCH');
    spec
      .given(aRequest().withFiles(1).submitted().awaitingReview().votedBy(CHECKER_1).build())
      .when(command('ReleaseFile', system, { fileId: 'f1', verifiedSha256: sha('f1'), releasedKey: 'r' }))
      .thenNothingHappens();
  });
  const released = () => aRequest().withFiles(1).submitted().awaitingReview().approved().released();
  it('issues a short-lived link per download to the author, and records its use once', () => {
    spec
      .given(released().build())
      .when(command('IssueDownloadLink', AUTHOR, { fileId: 'f1', linkId: 'l1', expiresAt: LATER }))
      .thenProduces(types(['DownloadLinkIssued']));
    spec
      .given(released().withLink('l1').build())
      .when(command('RecordDownload', AUTHOR, { linkId: 'l1' }))
      .thenProduces(types(['FileDownloaded']));
  });
  it.each([
    ['by someone else', released().withLink('l1'), CHECKER_1, 'l1', AT, 'UNKNOWN_LINK'],
    ['with an unknown link', released(), AUTHOR, 'nope', AT, 'UNKNOWN_LINK'],
    ['after the link expired', released().withLink('l1'), AUTHOR, 'l1', '2026-11-28T13:00:00.000Z', 'LINK_EXPIRED'],
    ['a second time', released().withLink('l1').build().length ? released().withLink('l1') : released(), AUTHOR, 'l1', AT, 'LINK_USED'],
    ['after revocation', released().withLink('l1').revoked(), AUTHOR, 'l1', AT, 'RELEASE_REVOKED'],
  ])('refuses a download %s', (name, given, actor, linkId, at, code) => {
    const events = given.build();
    if (name === 'a second time')
      events.push({
        type: 'FileDownloaded',
        data: { requestId: 'req-1', fileId: 'f1', sha256: sha('f1'), linkId: 'l1', downloadedBy: 'alice', downloadedAt: AT },
      });
    spec
      .given(events)
      .when(command('RecordDownload', actor, { linkId }, at))
      .thenRefuses(code);
  });
  it('refuses a link before release and after revocation', () => {
    spec
      .given(approved().build())
      .when(command('IssueDownloadLink', AUTHOR, { fileId: 'f1', linkId: 'l1', expiresAt: LATER }))
      .thenRefuses('FILE_NOT_RELEASED');
    spec
      .given(released().revoked().build())
      .when(command('IssueDownloadLink', AUTHOR, { fileId: 'f1', linkId: 'l2', expiresAt: LATER }))
      .thenRefuses('RELEASE_REVOKED');
  });
  it('lets an administrator revoke a release, after which released files are withdrawn once', () => {
    spec
      .given(released().build())
      .when(command('Revoke', ADMIN, { reason: 'found disclosive' }))
      .thenProduces(types(['RequestRevoked']));
    spec
      .given(released().build())
      .when(command('Revoke', CHECKER_1, { reason: 'x' }))
      .thenRefuses('ROLE_REQUIRED');
    spec
      .given(released().revoked().build())
      .when(command('WithdrawReleasedFile', system, { fileId: 'f1' }))
      .thenProduces(types(['ReleasedFileWithdrawn']));
    spec
      .given(released().build())
      .when(command('WithdrawReleasedFile', system, { fileId: 'f1' }))
      .thenNothingHappens();
    spec
      .given(aRequest().withFiles(1).build())
      .when(command('Revoke', ADMIN, { reason: 'x' }))
      .thenRefuses('WRONG_STATE');
  });
});

describe('rejection', () => {
  it('records each rejected file moved to the rejected bucket, once, and only for a rejected request', () => {
    const rejected = [
      ...aRequest().withFiles(1).submitted().awaitingReview().votedBy(CHECKER_1, 'reject').build(),
      { type: 'RequestRejected' as const, data: { requestId: 'req-1', turn: 1, policy: TWO_APPROVALS, rejectedBy: ['chris'], decidedAt: AT } },
    ];
    spec
      .given(rejected)
      .when(command('MoveRejectedFile', system, { fileId: 'f1', rejectedKey: 'rej/f1' }))
      .thenProduces(types(['RejectedFileMoved']));
    spec
      .given([...rejected, { type: 'RejectedFileMoved', data: { requestId: 'req-1', fileId: 'f1', sha256: sha('f1'), rejectedKey: 'rej/f1', movedAt: AT } }])
      .when(command('MoveRejectedFile', system, { fileId: 'f1', rejectedKey: 'rej/f1' }))
      .thenNothingHappens();
    spec
      .given(aRequest().withFiles(1).submitted().awaitingReview().build())
      .when(command('MoveRejectedFile', system, { fileId: 'f1', rejectedKey: 'r' }))
      .thenNothingHappens();
    spec
      .given(rejected)
      .when(command('MoveRejectedFile', AUTHOR, { fileId: 'f1', rejectedKey: 'r' }))
      .thenRefuses('ROLE_REQUIRED');
  });
});

describe('failure', () => {
  it('fails a request that is not finished, and ignores a finished one', () => {
    spec
      .given(aRequest().withFiles(1).submitted().build())
      .when(command('FailRequest', system, { reason: 'hash mismatch' }))
      .thenProduces(types(['RequestFailed']));
    spec
      .given(aRequest().withFiles(1).submitted().awaitingReview().approved().released().build())
      .when(command('FailRequest', system, { reason: 'x' }))
      .thenNothingHappens();
  });
  it('refuses anything on a request that does not exist', () => {
    spec
      .given([])
      .when(command('Submit', AUTHOR, submitData({})))
      .thenRefuses('REQUEST_NOT_FOUND');
  });
});

describe('available actions', () => {
  it('tells each caller what they may do now', () => {
    expect(availableActions(fold(aRequest().withFiles(1).build()), AUTHOR, AT)).toEqual([
      'view',
      'define_group',
      'upload_file',
      'remove_file',
      'submit',
      'withdraw',
    ]);
    const inReview = fold(aRequest().withFiles(1).submitted().awaitingReview().votedBy(CHECKER_1).build());
    expect(availableActions(inReview, CHECKER_2, AT)).toEqual(['view', 'comment', 'review']);
    expect(availableActions(inReview, CHECKER_1, AT)).toEqual(['view', 'comment']);
    expect(availableActions(inReview, AUTHOR, AT)).toEqual(['view', 'withdraw', 'comment']);
    expect(availableActions(fold(aRequest().withFiles(1).submitted().awaitingReview().approved().released().build()), ADMIN, AT)).toEqual(['view', 'revoke']);
    expect(availableActions(inReview, { ...CHECKER_2, accreditedUntil: undefined }, AT)).toEqual([]);
  });
});
