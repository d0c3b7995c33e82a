import { deciderSpec } from '../testing/decider-spec';
import { decide } from './request.decide';
import { evolve, fold, initialState } from './request.state';
import { availableActions } from './request.actions';
import {
  AT, AUTHOR, CHECKER_1, CHECKER_2, CHECKER_3, CLEAN, TWO_APPROVALS, aRequest, command, sha, system,
} from './request.builders';

const spec = deciderSpec({ decide, evolve, initialState });
const vote = (decision: 'approve' | 'reject', fileId = 'f1', extra: { overrideJustification?: string } = {}) =>
  ({ fileId, decision, policy: TWO_APPROVALS, ...extra });

describe('creating a request', () => {
  it('records the author and project', () => {
    spec.given([]).when(command('CreateRequest', AUTHOR, { requestId: 'req-1', projectId: 'proj-1', title: 'Table 1' })).then([
      { type: 'RequestCreated', data: { requestId: 'req-1', projectId: 'proj-1', title: 'Table 1', authorId: 'alice', createdAt: AT } },
    ]);
  });
  it('refuses a second request with the same id', () => {
    spec.given(aRequest().build()).when(command('CreateRequest', AUTHOR, { requestId: 'req-1', projectId: 'p', title: 't' })).thenRefuses('REQUEST_ALREADY_EXISTS');
  });
  it('refuses someone without the researcher role', () => {
    spec.given([]).when(command('CreateRequest', CHECKER_1, { requestId: 'req-1', projectId: 'p', title: 't' })).thenRefuses('ROLE_REQUIRED');
  });
});

describe('draft', () => {
  const file = { fileId: 'f9', name: 'table.csv', kind: 'output' as const, sha256: sha('f9'), size: 10, draftKey: 'd/f9' };
  it('accepts a file from the author', () => {
    spec.given(aRequest().build()).when(command('AddFile', AUTHOR, file)).thenProduces((events) => expect(events.map((e) => e.type)).toEqual(['FileUploaded']));
  });
  it('refuses an empty file', () => {
    spec.given(aRequest().build()).when(command('AddFile', AUTHOR, { ...file, size: 0 })).thenRefuses('EMPTY_FILE');
  });
  it('refuses a file from someone else', () => {
    spec.given(aRequest().build()).when(command('AddFile', { userId: 'bob', roles: ['researcher'] }, file)).thenRefuses('NOT_AUTHOR');
  });
  it('refuses a second file with the same name', () => {
    spec.given(aRequest().withFiles(1).build()).when(command('AddFile', AUTHOR, { ...file, name: 'f1.csv' })).thenRefuses('FILE_NAME_TAKEN');
  });
  it('refuses uploads once submitted', () => {
    spec.given(aRequest().withFiles(1).submitted().build()).when(command('AddFile', AUTHOR, file)).thenRefuses('WRONG_STATE');
  });
  it('refuses to submit without files', () => {
    spec.given(aRequest().build()).when(command('Submit', AUTHOR, { quarantineKeys: {} })).thenRefuses('NO_FILES');
  });
  it('refuses to submit a file that was not frozen', () => {
    spec.given(aRequest().withFiles(2).build()).when(command('Submit', AUTHOR, { quarantineKeys: { f1: 'q/f1' } })).thenRefuses('INVALID_COMMAND');
  });
  it('submits turn 1 with the frozen keys and hashes', () => {
    spec.given(aRequest().withFiles(1).build()).when(command('Submit', AUTHOR, { quarantineKeys: { f1: 'q/f1' } })).then([
      {
        type: 'RequestSubmitted',
        data: {
          requestId: 'req-1', turn: 1, submittedBy: 'alice', submittedAt: AT,
          files: [{ fileId: 'f1', name: 'f1.csv', kind: 'output', sha256: sha('f1'), size: 100, quarantineKey: 'q/f1' }],
        },
      },
    ]);
  });
  it('refuses a submit from someone who is not the author', () => {
    spec.given(aRequest().withFiles(1).build()).when(command('Submit', CHECKER_1, { quarantineKeys: { f1: 'q' } })).thenRefuses('NOT_AUTHOR');
  });
});

describe('automated checks', () => {
  it('starts checks once per turn', () => {
    spec.given(aRequest().withFiles(1).submitted().build()).when(command('StartChecks', system, { turn: 1 }))
      .thenProduces((events) => expect(events.map((e) => e.type)).toEqual(['ChecksStarted']));
    spec.given(aRequest().withFiles(1).submitted().checking().build()).when(command('StartChecks', system, { turn: 1 })).thenNothingHappens();
  });
  it('refuses checks from a person', () => {
    spec.given(aRequest().withFiles(1).submitted().build()).when(command('StartChecks', AUTHOR, { turn: 1 })).thenRefuses('ROLE_REQUIRED');
  });
  it('records a clean scan once; a redelivered scan changes nothing', () => {
    const given = aRequest().withFiles(1).submitted().checking();
    spec.given(given.build()).when(command('RecordScan', system, { turn: 1, fileId: 'f1', sha256: sha('f1'), result: CLEAN }))
      .thenProduces((events) => expect(events.map((e) => e.type)).toEqual(['FileScanned']));
    spec.given(given.scanned().build()).when(command('RecordScan', system, { turn: 1, fileId: 'f1', sha256: sha('f1'), result: CLEAN })).thenNothingHappens();
  });
  it('refuses a scan of other bytes than those frozen', () => {
    spec.given(aRequest().withFiles(1).submitted().checking().build())
      .when(command('RecordScan', system, { turn: 1, fileId: 'f1', sha256: sha('zz'), result: CLEAN })).thenRefuses('HASH_MISMATCH');
  });
  it('blocks the request when malware is found', () => {
    const infected = { status: 'infected' as const, signature: 'Eicar-Test-Signature', engine: 'ClamAV' };
    spec.given(aRequest().withFiles(2).submitted().checking().build())
      .when(command('RecordScan', system, { turn: 1, fileId: 'f2', sha256: sha('f2'), result: infected, blockedKey: 'b/f2' }))
      .thenProduces((events) => {
        expect(events.map((e) => e.type)).toEqual(['FileScanned', 'FileBlocked', 'RequestBlocked']);
        expect(fold([...aRequest().withFiles(2).submitted().checking().build(), ...events]).status).toBe('blocked');
      });
  });
  it('refuses an infected result before the file was moved to the blocked bucket', () => {
    const infected = { status: 'infected' as const, signature: 'Eicar', engine: 'ClamAV' };
    spec.given(aRequest().withFiles(1).submitted().checking().build())
      .when(command('RecordScan', system, { turn: 1, fileId: 'f1', sha256: sha('f1'), result: infected })).thenRefuses('INVALID_COMMAND');
  });
  it('ignores late results once the request is blocked', () => {
    spec.given([...aRequest().withFiles(1).submitted().checking().build(), { type: 'RequestBlocked', data: { requestId: 'req-1', turn: 1, reason: 'x', blockedAt: AT } }])
      .when(command('RecordScan', system, { turn: 1, fileId: 'f1', sha256: sha('f1'), result: CLEAN })).thenNothingHappens();
  });
  it('refuses a disclosure check before the malware scan', () => {
    spec.given(aRequest().withFiles(1).submitted().checking().build())
      .when(command('RecordCheck', system, { turn: 1, fileId: 'f1', sha256: sha('f1'), verdict: 'pass', fileType: 'csv', findings: [], rulesVersion: 'v', policy: {} }))
      .thenRefuses('FILE_NOT_SCANNED');
  });
  it('opens review when the last file has its verdict', () => {
    spec.given(aRequest().withFiles(2).submitted().checking().scanned().checked('pass', ['f1']).build())
      .when(command('RecordCheck', system, { turn: 1, fileId: 'f2', sha256: sha('f2'), verdict: 'fail', fileType: 'csv', findings: [], rulesVersion: 'v', policy: {} }))
      .thenProduces((events) => expect(events.map((e) => e.type)).toEqual(['FileChecked', 'ReviewOpened']));
  });
  it('ignores a redelivered check of an earlier turn', () => {
    spec.given(aRequest().withFiles(1).submitted().checking().build())
      .when(command('RecordCheck', system, { turn: 0, fileId: 'f1', sha256: sha('f1'), verdict: 'pass', fileType: 'csv', findings: [], rulesVersion: 'v', policy: {} }))
      .thenNothingHappens();
  });
});

describe('awaiting review', () => {
  const inReview = () => aRequest().withFiles(1).submitted().awaitingReview();
  it('records one approval without approving', () => {
    spec.given(inReview().build()).when(command('CastVote', CHECKER_1, vote('approve')))
      .thenProduces((events) => expect(events.map((e) => e.type)).toEqual(['VoteCast']));
  });
  it('approves when two distinct checkers approved every file', () => {
    spec.given(inReview().votedBy(CHECKER_1).build()).when(command('CastVote', CHECKER_2, vote('approve')))
      .thenProduces((events) => {
        expect(events.map((e) => e.type)).toEqual(['VoteCast', 'RequestApproved']);
        expect(events[1]).toMatchObject({ data: { approvers: ['chris', 'dana'], policy: TWO_APPROVALS } });
      });
  });
  it('waits for every releasable file', () => {
    spec.given(aRequest().withFiles(2).submitted().awaitingReview().votedBy(CHECKER_1).votedBy(CHECKER_2, 'approve', ['f1']).build())
      .when(command('CastVote', CHECKER_3, vote('approve', 'f1')))
      .thenProduces((events) => expect(events.map((e) => e.type)).toEqual(['VoteCast']));
  });
  it('refuses a vote by the author', () => {
    const authorAsChecker = { userId: AUTHOR.userId, roles: ['researcher', 'output_checker'] as const };
    spec.given(inReview().build()).when(command('CastVote', authorAsChecker, vote('approve'))).thenRefuses('SELF_REVIEW');
  });
  it('refuses a vote by someone who is not a checker', () => {
    spec.given(inReview().build()).when(command('CastVote', { userId: 'bob', roles: ['researcher'] }, vote('approve'))).thenRefuses('ROLE_REQUIRED');
  });
  it('refuses a second vote by the same checker on the same file', () => {
    spec.given(inReview().votedBy(CHECKER_1).build()).when(command('CastVote', CHECKER_1, vote('approve'))).thenRefuses('DUPLICATE_VOTE');
  });
  it('refuses approval of a failed file without a justification', () => {
    spec.given(aRequest().withFiles(1).submitted().awaitingReview('fail').build()).when(command('CastVote', CHECKER_1, vote('approve'))).thenRefuses('OVERRIDE_REQUIRED');
  });
  it('accepts approval of a failed file with a justification', () => {
    spec.given(aRequest().withFiles(1).submitted().awaitingReview('fail').build())
      .when(command('CastVote', CHECKER_1, vote('approve', 'f1', { overrideJustification: 'Counts are of hospitals, not people' })))
      .thenProduces((events) => expect(events[0]).toMatchObject({ data: { overrideJustification: 'Counts are of hospitals, not people' } }));
  });
  it('refuses approval of a file that was not scanned', () => {
    spec.given(aRequest().withFiles(1).submitted().awaitingReview('pass', { status: 'not_scanned', reason: 'no scanner' }).build())
      .when(command('CastVote', CHECKER_1, vote('approve'))).thenRefuses('FILE_NOT_SCANNED');
  });
  it('rejects the request on a reject vote', () => {
    spec.given(inReview().build()).when(command('CastVote', CHECKER_1, vote('reject')))
      .thenProduces((events) => expect(events.map((e) => e.type)).toEqual(['VoteCast', 'RequestRejected']));
  });
  it('refuses votes before review opens and after a decision', () => {
    spec.given(aRequest().withFiles(1).submitted().checking().build()).when(command('CastVote', CHECKER_1, vote('approve'))).thenRefuses('WRONG_STATE');
    spec.given(inReview().approved().build()).when(command('CastVote', CHECKER_3, vote('approve'))).thenRefuses('WRONG_STATE');
  });
  it('refuses a vote on an unknown file', () => {
    spec.given(inReview().build()).when(command('CastVote', CHECKER_1, vote('approve', 'nope'))).thenRefuses('UNKNOWN_FILE');
  });
});

describe('release', () => {
  const approved = () => aRequest().withFiles(2).submitted().awaitingReview().approved();
  it('releases file by file, then the request', () => {
    spec.given(approved().build()).when(command('ReleaseFile', system, { fileId: 'f1', verifiedSha256: sha('f1'), releasedKey: 'r/f1' }))
      .thenProduces((events) => expect(events.map((e) => e.type)).toEqual(['FileReleased']));
    const oneReleased = [...approved().build(), { type: 'FileReleased' as const, data: { requestId: 'req-1', turn: 1, fileId: 'f1', sha256: sha('f1'), releasedKey: 'r/f1', releasedAt: AT } }];
    spec.given(oneReleased).when(command('ReleaseFile', system, { fileId: 'f2', verifiedSha256: sha('f2'), releasedKey: 'r/f2' }))
      .thenProduces((events) => expect(events.map((e) => e.type)).toEqual(['FileReleased', 'RequestReleased']));
  });
  it('refuses to release bytes other than those approved', () => {
    spec.given(approved().build()).when(command('ReleaseFile', system, { fileId: 'f1', verifiedSha256: sha('zz'), releasedKey: 'r' })).thenRefuses('HASH_MISMATCH');
  });
  it('refuses to release before approval', () => {
    spec.given(aRequest().withFiles(1).submitted().awaitingReview().votedBy(CHECKER_1).build())
      .when(command('ReleaseFile', system, { fileId: 'f1', verifiedSha256: sha('f1'), releasedKey: 'r' })).thenRefuses('WRONG_STATE');
  });
  it('lets the author download a released file, and nobody else', () => {
    const released = aRequest().withFiles(1).submitted().awaitingReview().approved().released().build();
    spec.given(released).when(command('RecordDownload', AUTHOR, { fileId: 'f1' }))
      .thenProduces((events) => expect(events.map((e) => e.type)).toEqual(['FileDownloaded']));
    spec.given(released).when(command('RecordDownload', CHECKER_1, { fileId: 'f1' })).thenRefuses('NOT_AUTHOR');
  });
  it('refuses a download before release', () => {
    spec.given(approved().build()).when(command('RecordDownload', AUTHOR, { fileId: 'f1' })).thenRefuses('FILE_NOT_RELEASED');
  });
});

describe('failure', () => {
  it('fails a request that is not finished, and ignores a finished one', () => {
    spec.given(aRequest().withFiles(1).submitted().build()).when(command('FailRequest', system, { reason: 'hash mismatch' }))
      .thenProduces((events) => expect(events.map((e) => e.type)).toEqual(['RequestFailed']));
    spec.given(aRequest().withFiles(1).submitted().awaitingReview().approved().released().build())
      .when(command('FailRequest', system, { reason: 'x' })).thenNothingHappens();
  });
  it('refuses anything on a request that does not exist', () => {
    spec.given([]).when(command('Submit', AUTHOR, { quarantineKeys: {} })).thenRefuses('REQUEST_NOT_FOUND');
  });
});

describe('available actions', () => {
  it('tells each caller what they may do now', () => {
    expect(availableActions(fold(aRequest().withFiles(1).build()), AUTHOR)).toEqual(['view', 'upload_file', 'submit']);
    const inReview = fold(aRequest().withFiles(1).submitted().awaitingReview().votedBy(CHECKER_1).build());
    expect(availableActions(inReview, CHECKER_2)).toEqual(['view', 'review']);
    expect(availableActions(inReview, CHECKER_1)).toEqual(['view']);
    expect(availableActions(inReview, AUTHOR)).toEqual(['view']);
  });
});
