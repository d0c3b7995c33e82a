import type { RequestView } from '@airlock/application';
import { requestEnvelope, type EventEnvelope } from '@airlock/contracts';
import type { RequestEvent } from '@airlock/domain';
import { age, humanSize, matchesSearch, myProgress, plainStatus, queueTab, submittedBefore, timeline, STUCK_AFTER_MS } from './request-page';

const REQUEST = '6f1c1f0e-8d3a-4a51-9a43-0c5e4b0b7a01';
const actor = { userId: 'system', roles: [] };

const aView = (over: Partial<RequestView> = {}): RequestView =>
  ({
    requestId: REQUEST,
    projectId: 'p1',
    title: 'Admissions',
    authorId: 'alice',
    status: 'awaiting_review',
    turn: 1,
    createdAt: '2026-12-01T10:00:00.000Z',
    groups: [],
    files: [
      {
        fileId: 'f1',
        name: 'a.csv',
        group: 'g',
        kind: 'output',
        sha256: 'x',
        size: 1,
        exceptions: [],
        approvals: 0,
        votes: [],
        released: false,
        blocked: false,
      },
      {
        fileId: 'f2',
        name: 'b.csv',
        group: 'g',
        kind: 'output',
        sha256: 'y',
        size: 1,
        exceptions: [],
        approvals: 0,
        votes: [],
        released: false,
        blocked: false,
      },
    ],
    comments: [],
    history: [],
    actions: [],
    ...over,
  }) as unknown as RequestView;

let version = 0;
const envelope = (event: RequestEvent, time = '2026-12-01T10:00:00.000Z'): EventEnvelope =>
  ({
    ...requestEnvelope(event, REQUEST, { id: `e${++version}`, source: '/test', time, actor, correlationId: 'c' }),
    streamId: `request-${REQUEST}`,
    streamVersion: version,
  }) as EventEnvelope;

const vote = (checkerId: string, turn = 1): RequestEvent => ({
  type: 'VoteCast',
  data: { requestId: REQUEST, turn, fileId: 'f1', sha256: 'x', checkerId, decision: 'approve', castAt: '2026-12-01T10:00:00.000Z' },
});
const comment = (authorId: string, visibility: 'private' | 'public', turn = 1): RequestEvent => ({
  type: 'CommentAdded',
  data: { requestId: REQUEST, turn, authorId, comment: { text: 'secret words', visibility }, addedAt: '2026-12-01T10:00:00.000Z' },
});

describe('timeline', () => {
  it('leaves out another checker’s votes and comments while the turn is open, and never repeats comment text', () => {
    const events = [
      vote('chris'),
      vote('dana'),
      comment('dana', 'private'),
      comment('dana', 'public'),
      comment('alice', 'public'),
      comment('chris', 'private'),
    ].map((e) => envelope(e));
    const texts = timeline(events, aView(), 'chris').map((e) => e.text);
    expect(texts).toStrictEqual(['You approved a.csv', 'alice commented (public)', 'You commented (private)']);
    expect(texts.join(' ')).not.toContain('secret words');
  });

  it('shows every vote once the turn is decided, and earlier turns’ votes in an open turn', () => {
    const events = [vote('dana', 1), vote('dana', 2)].map((e) => envelope(e));
    expect(timeline(events, aView({ status: 'changes_requested', turn: 1 }), 'chris').map((e) => e.text)).toStrictEqual([
      'dana approved a.csv',
      'dana approved a.csv',
    ]);
    expect(timeline(events, aView({ turn: 2 }), 'chris').map((e) => e.text)).toStrictEqual(['dana approved a.csv']);
  });
});

describe('the last turn', () => {
  it('is read from the submissions, so a file replaced since then still compares with what was submitted', () => {
    const submitted = (turn: number, sha256: string): RequestEvent =>
      ({
        type: 'RequestSubmitted',
        data: {
          requestId: REQUEST,
          turn,
          files: [{ fileId: `f${turn}`, name: 'a.csv', group: 'g', kind: 'output', sha256, size: 1, quarantineKey: `q/${turn}` }],
          groups: [],
          policy: { requiredApprovals: 2 },
          disclosure: {},
          carriedVotes: [],
          submittedBy: 'alice',
          submittedAt: '2026-12-01T10:00:00.000Z',
        },
      }) as unknown as RequestEvent;
    const events = [submitted(1, 'old'), submitted(2, 'new'), submitted(3, 'newer')].map((e) => envelope(e));
    expect(submittedBefore(events, 3)).toMatchObject({ turn: 2, files: [{ sha256: 'new', quarantineKey: 'q/2' }] });
    expect(submittedBefore(events, 1)).toBeUndefined();
  });
});

describe('status in plain words', () => {
  const now = new Date('2026-12-01T12:00:00.000Z');

  it('calls a checking step stuck after it stands still, and says nothing passes by default', () => {
    const since = new Date(now.getTime() - STUCK_AFTER_MS - 60_000).toISOString();
    const status = plainStatus(aView({ status: 'checking' }), 'chris', since, now);
    expect(status.tone).toBe('warning');
    expect(status.problems[0]).toMatch(/has not moved for 16 minutes.*nothing is passed by default/);
    expect(plainStatus(aView({ status: 'checking' }), 'chris', now.toISOString(), now).problems).toStrictEqual([]);
  });

  it('names a file that could not be scanned with the reason, and a failed request with its reason', () => {
    const files = [{ ...aView().files[0], scan: { status: 'not_scanned', reason: 'clamd unreachable' } }] as RequestView['files'];
    expect(plainStatus(aView({ files }), 'chris', undefined, now).problems).toStrictEqual([
      'a.csv could not be scanned for malware: clamd unreachable. It cannot be approved.',
    ]);
    expect(plainStatus(aView({ status: 'failed', reason: 'hash mismatch after copy' }), 'chris', undefined, now).summary).toContain('hash mismatch after copy');
  });

  it('counts my own votes of this turn as my progress, not carried ones', () => {
    const files = aView().files.map((f, i) => ({
      ...f,
      votes:
        i === 0
          ? [{ checkerId: 'chris', turn: 1, decision: 'approve', sha256: 'x', castAt: '' }]
          : [{ checkerId: 'chris', turn: 1, decision: 'approve', sha256: 'y', castAt: '', carried: true }],
    })) as RequestView['files'];
    expect(myProgress(aView({ files }), 'chris')).toStrictEqual({ voted: 1, of: 2 });
    expect(plainStatus(aView({ files }), 'chris', undefined, now).summary).toContain('You have voted on 1 of 2 files in turn 1');
  });
});

describe('queue helpers', () => {
  it('matches every word of a search against title, project, researcher and id', () => {
    const item = { title: 'Admissions by ward', projectId: 'hes-2024', authorId: 'alice', requestId: REQUEST };
    expect(matchesSearch(item, 'ward HES')).toBe(true);
    expect(matchesSearch(item, 'ward bob')).toBe(false);
    expect(matchesSearch(item, '  ')).toBe(true);
  });

  it('reads an unknown tab as the awaiting tab', () => {
    expect(queueTab('decided')).toBe('decided');
    expect(queueTab('__proto__')).toBe('awaiting');
  });

  it('says ages and sizes as people read them', () => {
    const now = new Date('2026-12-03T12:00:00.000Z');
    expect(age('2026-12-01T11:00:00.000Z', now)).toBe('2 days');
    expect(age('2026-12-03T11:59:30.000Z', now)).toBe('under a minute');
    expect(humanSize(55)).toBe('55 bytes');
    expect(humanSize(5 * 1024 * 1024)).toBe('5.0 MB');
  });
});
