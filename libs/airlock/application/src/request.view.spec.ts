import { DEFAULT_APPROVAL_POLICY, fold, type Actor, type CommentVisibility, type ExistingRequest, type RequestEvent, type VoteDecision } from '@airlock/domain';
import { requestView } from './request.view';

// Blinded review (issue 9, finding 5): while a turn is open a checker sees only their own votes
// and comments; once it is decided every checker sees everything. Researchers never see a
// checker's user id, only "Checker 1", "Checker 2", numbered by first act on the request.

const AT = '2026-11-28T12:00:00.000Z';
const LATER = '2026-11-28T12:30:00.000Z';
const ACCREDITED = '2027-11-28T00:00:00.000Z';
const AUTHOR: Actor = { userId: 'alice', roles: ['researcher'], accreditedUntil: ACCREDITED, projectIds: ['proj-1'] };
const checker = (userId: string): Actor => ({ userId, roles: ['output_checker'], accreditedUntil: ACCREDITED, projectIds: [], checksProjectIds: ['proj-1'] });
const CHECKER_1 = checker('checker-chris-7f3a');
const CHECKER_2 = checker('checker-dana-91c2');
const PRIVATE_NOTE = 'Ward C has 3 patients: suppress it';
const PUBLIC_QUESTION = 'Which extract date did you use?';
const requestId = 'req-1';
const sha = (fileId: string) => fileId.padEnd(64, '0');

/** A request in review (turn 1, every file scanned clean and passed) with the given files. */
function inReview(fileIds: string[]): RequestEvent[] {
  const files = fileIds.map((fileId) => ({ fileId, name: `${fileId}.csv`, group: 'tables', kind: 'output' as const, sha256: sha(fileId), size: 100 }));
  const groups = [{ group: 'tables', context: 'Counts', controls: 'Rounded' }];
  return [
    { type: 'RequestCreated', data: { requestId, projectId: 'proj-1', title: 'Table 1', authorId: AUTHOR.userId, createdAt: AT } },
    ...files.map((f): RequestEvent => ({ type: 'FileUploaded', data: { requestId, ...f, draftKey: `d/${f.fileId}`, uploadedAt: AT } })),
    {
      type: 'RequestSubmitted',
      data: {
        requestId,
        turn: 1,
        files: files.map((f) => ({ ...f, quarantineKey: `q/${f.fileId}` })),
        policy: DEFAULT_APPROVAL_POLICY,
        disclosure: {},
        carriedVotes: [],
        groups,
        submittedBy: AUTHOR.userId,
        submittedAt: AT,
      },
    },
    { type: 'ChecksStarted', data: { requestId, turn: 1, startedAt: AT } },
    ...files.flatMap((f): RequestEvent[] => [
      { type: 'FileScanned', data: { requestId, turn: 1, fileId: f.fileId, sha256: f.sha256, result: { status: 'clean', engine: 'ClamAV' }, scannedAt: AT } },
      {
        type: 'FileChecked',
        data: {
          requestId,
          turn: 1,
          fileId: f.fileId,
          sha256: f.sha256,
          verdict: 'pass',
          fileType: 'csv',
          findings: [],
          rulesVersion: 'test',
          policy: {},
          checkedAt: AT,
        },
      },
    ]),
    { type: 'ReviewOpened', data: { requestId, turn: 1, openedAt: AT } },
  ];
}

function voted(by: Actor, fileIds: string[], decision: VoteDecision = 'approve'): RequestEvent[] {
  return fileIds.map((fileId) => ({
    type: 'VoteCast',
    data: { requestId, turn: 1, fileId, sha256: sha(fileId), checkerId: by.userId, decision, castAt: LATER },
  }));
}

function commented(by: Actor, text: string, visibility: CommentVisibility): RequestEvent {
  return { type: 'CommentAdded', data: { requestId, turn: 1, authorId: by.userId, comment: { text, visibility }, addedAt: LATER } };
}

function stateOf(events: RequestEvent[]): ExistingRequest {
  const state = fold(events);
  if (state.status === 'none') throw new Error('no request');
  return state;
}

const viewAs = (state: ExistingRequest, actor: Actor, audience: 'researcher' | 'checker') => requestView(state, 1, actor, audience, LATER);
const body = (view: unknown) => JSON.stringify(view);

describe('blinded review while a turn is open', () => {
  // Dana approved both files and left a private note; Chris has not voted yet.
  const open = stateOf([...inReview(['f1', 'f2']), ...voted(CHECKER_2, ['f1', 'f2']), commented(CHECKER_2, PRIVATE_NOTE, 'private')]);

  it('shows a checker no approval count, vote or progress of another checker', () => {
    const seen = viewAs(open, CHECKER_1, 'checker');
    expect(seen.status).toBe('awaiting_review');
    for (const file of seen.files) {
      expect(file.approvals).toBe(0);
      expect(file).toMatchObject({ votes: [] });
    }
    expect(seen.actions).toContain('review');
    expect(body(seen)).not.toContain(CHECKER_2.userId);
  });

  it("shows a checker their own votes, never another checker's private comment", () => {
    const mine = stateOf([...inReview(['f1']), ...voted(CHECKER_1, ['f1']), commented(CHECKER_2, PRIVATE_NOTE, 'private')]);
    const seen = viewAs(mine, CHECKER_1, 'checker');
    expect(seen.files[0]).toMatchObject({ approvals: 1, votes: [expect.objectContaining({ checkerId: CHECKER_1.userId })] });
    expect(seen.comments).toEqual([]);
    expect(body(seen)).not.toContain(PRIVATE_NOTE);
    // The author of the note still sees it.
    expect(viewAs(mine, CHECKER_2, 'checker').comments).toEqual([expect.objectContaining({ comment: { text: PRIVATE_NOTE, visibility: 'private' } })]);
  });

  it('shows the researcher no approval count while the turn is open', () => {
    const seen = viewAs(open, AUTHOR, 'researcher');
    expect(seen.files.map((f) => f.approvals)).toEqual([0, 0]);
  });
});

describe('what the researcher sees of checkers', () => {
  const decided = stateOf([
    ...inReview(['f1']),
    commented(CHECKER_2, PUBLIC_QUESTION, 'public'),
    commented(AUTHOR, 'The March 2025 extract', 'public'),
    commented(CHECKER_1, 'A public remark', 'public'),
    ...voted(CHECKER_1, ['f1']),
    ...voted(CHECKER_2, ['f1'], 'request_changes'),
    { type: 'ChangesRequested', data: { requestId, turn: 1, policy: DEFAULT_APPROVAL_POLICY, requestedBy: [CHECKER_2.userId], decidedAt: LATER } },
  ]);

  it('names checkers "Checker 1", "Checker 2" by first act, never by user id, on public comments', () => {
    const seen = viewAs(decided, AUTHOR, 'researcher');
    expect(seen.comments.map((c) => [c.authorId, c.comment.text])).toEqual([
      ['Checker 1', PUBLIC_QUESTION],
      [AUTHOR.userId, 'The March 2025 extract'],
      ['Checker 2', 'A public remark'],
    ]);
  });

  it.each(['awaiting_review', 'changes_requested'])('has no checker user id anywhere in the researcher view (%s)', (status) => {
    const state =
      status === 'changes_requested' ? decided : stateOf([...inReview(['f1']), ...voted(CHECKER_1, ['f1']), commented(CHECKER_2, PUBLIC_QUESTION, 'public')]);
    const text = body(viewAs(state, AUTHOR, 'researcher'));
    expect(text).not.toContain(CHECKER_1.userId);
    expect(text).not.toContain(CHECKER_2.userId);
  });
});

describe('once the turn is decided', () => {
  const decided = stateOf([
    ...inReview(['f1', 'f2']),
    commented(CHECKER_2, PRIVATE_NOTE, 'private'),
    ...voted(CHECKER_1, ['f1', 'f2']),
    ...voted(CHECKER_2, ['f1', 'f2']),
    {
      type: 'RequestApproved',
      data: { requestId, turn: 1, policy: DEFAULT_APPROVAL_POLICY, approvers: [CHECKER_1.userId, CHECKER_2.userId], decidedAt: LATER },
    },
  ]);

  it("shows every checker every vote, the approval count and the others' private comments", () => {
    const seen = viewAs(decided, CHECKER_1, 'checker');
    expect(seen.status).toBe('approved');
    for (const file of seen.files) {
      expect(file.approvals).toBe(2);
      expect(file).toMatchObject({ votes: [{ checkerId: CHECKER_1.userId }, { checkerId: CHECKER_2.userId }] });
    }
    expect(seen.comments).toEqual([expect.objectContaining({ authorId: CHECKER_2.userId, comment: { text: PRIVATE_NOTE, visibility: 'private' } })]);
  });
});

describe('file names in the checker view', () => {
  // "dаta.csv" with a Cyrillic а (U+0430): drawn exactly like "data.csv".
  const LOOK_ALIKE = 'd\u0430ta.csv';
  const withFile = (name: string): ExistingRequest =>
    fold([
      { type: 'RequestCreated', data: { requestId: 'r1', projectId: 'proj-1', title: 't', authorId: 'alice', createdAt: AT } },
      { type: 'GroupDefined', data: { requestId: 'r1', group: 'g', context: 'c', controls: 'k', definedAt: AT } },
      {
        type: 'FileUploaded',
        data: { requestId: 'r1', fileId: 'f1', name, group: 'g', kind: 'output', sha256: 'a'.repeat(64), size: 3, draftKey: 'd/f1', uploadedAt: AT },
      },
    ]) as ExistingRequest;

  it("shows each file name's code points, so a look-alike name cannot pass as another", () => {
    const view = requestView(withFile(LOOK_ALIKE), 3, CHECKER_1, 'checker', AT);
    expect(view.files[0]).toMatchObject({ name: LOOK_ALIKE, nameCodePoints: 'U+0064 U+0430 U+0074 U+0061 U+002E U+0063 U+0073 U+0076' });
  });
});
