import fc from 'fast-check';
import type { Actor } from '../identity/actor';
import { decide } from './request.decide';
import { RequestError } from './request.errors';
import type { RequestCommand } from './request.commands';
import type { RequestEvent, ScanOutcome } from './request.events';
import { evolve, fold } from './request.evolve';
import { ADMIN, AUTHOR, CHECKER_1, CHECKER_2, CHECKER_3, GROUP, sha, system } from './request.builders';

// Invariant 1 of docs/design.md, checked by an oracle that reads the raw events (not the domain's
// own state): nothing is released unless, for the exact bytes of the current turn, the scan was
// clean, the disclosure check finished, every `fail` was overridden with a justification, and
// enough distinct, independent, accredited checkers approved.
const PROJECT_MEMBER_CHECKER: Actor = { ...CHECKER_3, userId: 'mo', projectIds: ['proj-1'] };
const EXPIRED_CHECKER: Actor = { ...CHECKER_3, userId: 'ex', accreditedUntil: '2020-01-01T00:00:00.000Z' };
const INDEPENDENT = new Set([CHECKER_1.userId, CHECKER_2.userId, CHECKER_3.userId]);
const FILES = ['f1', 'f2'];
const AT = '2026-11-28T12:00:00.000Z';

type Step = { command: RequestCommand; stale: boolean; guided: boolean; pick: number; outcome: number };

const actor = fc.constantFrom(AUTHOR, CHECKER_1, CHECKER_2, CHECKER_3, PROJECT_MEMBER_CHECKER, EXPIRED_CHECKER, ADMIN, system);
const fileId = fc.constantFrom(...FILES);
const version = fc.constantFrom(0, 1);
const scan: fc.Arbitrary<ScanOutcome> = fc.constantFrom(
  { status: 'clean', engine: 'e' } as const,
  { status: 'infected', signature: 'Eicar', engine: 'e' } as const,
  { status: 'not_scanned', reason: 'none' } as const,
);
const turn = fc.integer({ min: 0, max: 3 });
const mk = <T extends RequestCommand['type']>(type: T, a: Actor, data: Extract<RequestCommand, { type: T }>['data']) =>
  ({ type, actor: a, at: AT, data }) as RequestCommand;

const command: fc.Arbitrary<RequestCommand> = fc
  .oneof(
    fc
      .record({ f: fileId, v: version, kind: fc.constantFrom('output', 'supporting', 'code') as fc.Arbitrary<'output'> })
      .map(({ f, v, kind }) => mk('AddFile', AUTHOR, { fileId: f, name: `${f}.csv`, group: GROUP, kind, sha256: sha(f, v), size: 10, draftKey: `d/${f}` })),
    fileId.map((f) => mk('RemoveFile', AUTHOR, { fileId: f })),
    turn.map(() =>
      mk('Submit', AUTHOR, {
        quarantineKeys: { f1: 'q1', f2: 'q2' },
        policy: { requiredApprovals: 2, extraApprovalForReview: true, extraApprovalForKinds: ['code'] },
        disclosure: {},
      }),
    ),
    turn.map((t) => mk('StartChecks', system, { turn: t })),
    fc
      .record({ t: turn, f: fileId, v: version, s: scan })
      .map(({ t, f, v, s }) =>
        mk('RecordScan', system, { turn: t, fileId: f, sha256: sha(f, v), result: s, ...(s.status === 'infected' ? { blockedKey: 'b' } : {}) }),
      ),
    fc.record({ t: turn, f: fileId, v: version, verdict: fc.constantFrom('pass', 'fail', 'review') as fc.Arbitrary<'pass'> }).map(({ t, f, v, verdict }) =>
      mk('RecordCheck', system, {
        turn: t,
        fileId: f,
        sha256: sha(f, v),
        verdict,
        fileType: 'csv',
        findings: [{ rule: 'threshold', verdict, cells: [], message: 'm' }],
        rulesVersion: 'v',
        policy: {},
      }),
    ),
    fc
      .record({
        a: actor,
        f: fileId,
        d: fc.constantFrom('approve', 'approve', 'approve', 'request_changes', 'reject') as fc.Arbitrary<'approve'>,
        j: fc.constantFrom(undefined, 'justified'),
      })
      .map(({ a, f, d, j }) => mk('CastVote', a, { fileId: f, decision: d, ...(j ? { overrideJustification: j } : {}) })),
    fc.record({ f: fileId, v: version }).map(({ f, v }) => mk('ReleaseFile', system, { fileId: f, verifiedSha256: sha(f, v), releasedKey: `r/${f}` })),
    fc.constantFrom(mk('Withdraw', AUTHOR, {}), mk('Revoke', ADMIN, { reason: 'r' }), mk('FailRequest', system, { reason: 'r' })),
  )
  .chain((c) => (c.type === 'Withdraw' || c.type === 'FailRequest' ? fc.constantFrom(c, c, mk('StartChecks', system, { turn: 1 })) : fc.constant(c)));

const step: fc.Arbitrary<Step> = fc.record({
  command,
  stale: fc.boolean(),
  guided: fc.integer({ min: 0, max: 9 }).map((n) => n < 9),
  pick: fc.nat(),
  outcome: fc.nat(),
});

const checkers = [CHECKER_1, CHECKER_2, CHECKER_3, CHECKER_1, CHECKER_2, CHECKER_3, PROJECT_MEMBER_CHECKER, EXPIRED_CHECKER, AUTHOR];
const policy = { requiredApprovals: 2, extraApprovalForReview: true, extraApprovalForKinds: ['code' as const] };

/** Commands that move the request on from where it is, with outcomes picked by the step's numbers. */
function guided(state: ReturnType<typeof fold>, pick: number, outcome: number): RequestCommand[] {
  if (state.status === 'none') return [];
  const sometimes = (n: number) => outcome % n === 0;
  switch (state.status) {
    case 'draft':
    case 'changes_requested': {
      const f = FILES[pick % 2];
      const kind = sometimes(7) ? 'code' : sometimes(11) ? 'supporting' : 'output';
      const add = mk('AddFile', AUTHOR, { fileId: f, name: `${f}.csv`, group: GROUP, kind, sha256: sha(f, outcome % 2), size: 10, draftKey: 'd' });
      const keys = Object.fromEntries(state.files.map((x) => [x.fileId, `q/${x.fileId}`]));
      const submitNow = mk('Submit', AUTHOR, { quarantineKeys: keys, policy, disclosure: {} });
      return sometimes(8) ? [mk('RemoveFile', AUTHOR, { fileId: f })] : [add, submitNow, submitNow];
    }
    case 'submitted':
      return [mk('StartChecks', system, { turn: state.turn })];
    case 'checking':
      return state.files.map((f) => {
        const bytes = sometimes(13) ? sha(f.fileId, 9) : f.sha256;
        if (!f.scan) {
          const result: ScanOutcome = sometimes(17)
            ? { status: 'infected', signature: 'x', engine: 'e' }
            : sometimes(11)
              ? { status: 'not_scanned', reason: 'r' }
              : { status: 'clean', engine: 'e' };
          return mk('RecordScan', system, {
            turn: state.turn,
            fileId: f.fileId,
            sha256: bytes,
            result,
            ...(result.status === 'infected' ? { blockedKey: 'b' } : {}),
          });
        }
        const verdict = (['pass', 'pass', 'pass', 'fail', 'review'] as const)[outcome % 5];
        return mk('RecordCheck', system, {
          turn: state.turn,
          fileId: f.fileId,
          sha256: bytes,
          verdict,
          fileType: 'csv',
          findings: [],
          rulesVersion: 'v',
          policy: {},
        });
      });
    case 'awaiting_review': {
      const decision = (['approve', 'approve', 'approve', 'approve', 'approve', 'approve', 'approve', 'approve', 'request_changes', 'reject'] as const)[
        outcome % 10
      ];
      return state.files.map((f) =>
        mk('CastVote', checkers[(pick + outcome) % checkers.length], { fileId: f.fileId, decision, ...(sometimes(2) ? { overrideJustification: 'ok' } : {}) }),
      );
    }
    case 'approved':
      return state.files.map((f) =>
        mk('ReleaseFile', system, { fileId: f.fileId, verifiedSha256: sometimes(10) ? sha(f.fileId, 9) : f.sha256, releasedKey: 'r' }),
      );
    default:
      return [];
  }
}
const begin: RequestEvent[] = [
  { type: 'RequestCreated', data: { requestId: 'req-1', projectId: 'proj-1', title: 't', authorId: AUTHOR.userId, createdAt: AT } },
  { type: 'GroupDefined', data: { requestId: 'req-1', group: GROUP, context: 'c', controls: 'k', definedAt: AT } },
];

/** Runs steps as the command handler does: decide on the stream read, append only on the expected version. */
function run(steps: Step[]): RequestEvent[] {
  const events = [...begin];
  let state = fold(events);
  let before = state;
  for (const { command: noise, stale, guided: isGuided, pick, outcome } of steps) {
    const options = isGuided ? guided(state, pick, outcome) : [];
    const c = options.length > 0 ? options[pick % options.length] : noise;
    // A "stale" step was decided concurrently on the state before the last append: its append
    // fails on the stream version and it is retried on a fresh read (as RequestCommandHandler
    // does); deciding it on the old state first also exercises redelivered commands.
    let produced: RequestEvent[];
    try {
      produced = decide(c, stale ? before : state);
      if (stale) produced = decide(c, state);
    } catch (error) {
      if (error instanceof RequestError) continue;
      throw error;
    }
    before = state;
    events.push(...produced);
    state = produced.reduce(evolve, state);
  }
  return events;
}

function assertReleaseGates(events: RequestEvent[]): void {
  let turn = 0;
  let turnStart = 0;
  events.forEach((event, index) => {
    if (event.type === 'RequestSubmitted') {
      turn = event.data.turn;
      turnStart = index;
    }
    if (event.type !== 'FileReleased') return;
    const { fileId, sha256 } = event.data;
    const inTurn = events.slice(turnStart, index);
    const submitted = events[turnStart];
    if (submitted.type !== 'RequestSubmitted') throw new Error('released without a submission');
    const frozen = submitted.data.files.find((f) => f.fileId === fileId);
    expect(frozen?.sha256).toBe(sha256);
    expect(frozen?.kind).not.toBe('supporting');
    const scanned = inTurn.filter((e) => e.type === 'FileScanned' && e.data.fileId === fileId && e.data.turn === turn);
    expect(scanned.map((e) => e.type === 'FileScanned' && e.data.result.status)).toEqual(['clean']);
    const checked = inTurn.find((e) => e.type === 'FileChecked' && e.data.fileId === fileId && e.data.turn === turn);
    if (!checked || checked.type !== 'FileChecked') throw new Error('released without a disclosure check');
    const votes = inTurn.flatMap((e) =>
      e.type === 'VoteCast' && e.data.fileId === fileId && e.data.sha256 === sha256 && e.data.turn === turn ? [e.data] : [],
    );
    const carried = submitted.data.carriedVotes.filter((v) => v.fileId === fileId && v.sha256 === sha256);
    const approvals = [
      ...votes.filter((v) => v.decision === 'approve' && (checked.data.verdict !== 'fail' || v.overrideJustification)),
      ...carried.filter((v) => checked.data.verdict !== 'fail' || v.overrideJustification),
    ].map((v) => v.checkerId);
    const distinct = new Set(approvals);
    for (const checker of distinct) expect(INDEPENDENT.has(checker)).toBe(true);
    const required = 2 + (checked.data.verdict === 'review' || frozen?.kind === 'code' ? 1 : 0);
    expect(distinct.size).toBeGreaterThanOrEqual(required);
    expect(votes.some((v) => v.decision !== 'approve')).toBe(false);
  });
}

describe('invariant 1: no release without both gates', () => {
  it('holds over 10,000 random command sequences with stale and redelivered commands', () => {
    let releases = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 30, maxLength: 100 }), (steps) => {
        const events = run(steps);
        assertReleaseGates(events);
        if (events.some((e) => e.type === 'FileReleased')) releases += 1;
      }),
      { numRuns: 10_000, seed: 20261128 },
    );
    // The generator must actually reach releases, or the property proves nothing.
    expect(releases).toBeGreaterThan(2000);
  });

  it('reaches releases often enough when steps follow the happy path', () => {
    const happy: Step[] = [
      mk('AddFile', AUTHOR, { fileId: 'f1', name: 'f1.csv', group: GROUP, kind: 'output', sha256: sha('f1', 0), size: 10, draftKey: 'd' }),
      mk('Submit', AUTHOR, {
        quarantineKeys: { f1: 'q1' },
        policy: { requiredApprovals: 2, extraApprovalForReview: false, extraApprovalForKinds: [] },
        disclosure: {},
      }),
      mk('StartChecks', system, { turn: 1 }),
      mk('RecordScan', system, { turn: 1, fileId: 'f1', sha256: sha('f1', 0), result: { status: 'clean', engine: 'e' } }),
      mk('RecordCheck', system, { turn: 1, fileId: 'f1', sha256: sha('f1', 0), verdict: 'pass', fileType: 'csv', findings: [], rulesVersion: 'v', policy: {} }),
      mk('CastVote', CHECKER_1, { fileId: 'f1', decision: 'approve' }),
      mk('CastVote', CHECKER_2, { fileId: 'f1', decision: 'approve' }),
      mk('ReleaseFile', system, { fileId: 'f1', verifiedSha256: sha('f1', 0), releasedKey: 'r' }),
      mk('ReleaseFile', system, { fileId: 'f1', verifiedSha256: sha('f1', 0), releasedKey: 'r' }),
    ].map((c) => ({ command: c, stale: false, guided: false, pick: 0, outcome: 0 }));
    const events = run(happy);
    expect(events.filter((e) => e.type === 'FileReleased')).toHaveLength(1);
    expect(fold(events).status).toBe('released');
  });
});
