import {
  RequestError,
  releaseDestination,
  type ChangesRequested,
  type CommentAdded,
  type ExceptionRequested,
  type FileChecked,
  type FileReleased,
  type FileScanned,
  type RequestApproved,
  type RequestEvent,
  type RequestRejected,
  type RequestRevoked,
  type RequestState,
  type RequestSubmitted,
  type ReleasedFileWithdrawn,
  type VoteCast,
} from '@airlock/domain';
import { peopleFor, staffRole, type StaffRole } from './record-audience';
import {
  RELEASE_RECORD_VERSION,
  type RecordAudience,
  type RecordDecision,
  type RecordFile,
  type RecordOverride,
  type RecordTimelineEntry,
  type RecordTurn,
  type RecordTurnFile,
  type RecordVote,
  type RecordedEvent,
  type ReleaseRecord,
} from './release-record.types';

// Events after the release that belong in the record; later downloads and comments do not, so
// the record stored at release and the one served later are the same document.
const AFTER_RELEASE: ReadonlySet<RequestEvent['type']> = new Set(['RequestRevoked', 'ReleasedFileWithdrawn']);
const TIMELINE: ReadonlySet<RequestEvent['type']> = new Set([
  'RequestCreated',
  'RequestSubmitted',
  'ChecksStarted',
  'ReviewOpened',
  'ExceptionRequested',
  'ChangesRequested',
  'RequestApproved',
  'RequestRejected',
  'RequestReleased',
  'RequestRevoked',
]);

/** The part of the stream a record covers, or undefined while the request has not been released. */
export function recordedEvents(events: readonly RecordedEvent[]): RecordedEvent[] | undefined {
  const released = events.findIndex((e) => e.event.type === 'RequestReleased');
  if (released < 0) return undefined;
  return [...events.slice(0, released + 1), ...events.slice(released + 1).filter((e) => AFTER_RELEASE.has(e.event.type))];
}

type Build = {
  who: (userId: string, role: StaffRole) => string;
  audience: RecordAudience;
  turns: RecordTurn[];
  decisions: RecordDecision[];
  released: ReleaseRecord['release']['files'];
  releasedAt?: string;
  revocation?: ReleaseRecord['revocation'];
  timeline: RecordTimelineEntry[];
};

function fileIn(build: Build, turn: number, fileId: string): RecordTurnFile | undefined {
  return build.turns.find((t) => t.turn === turn)?.files.find((f) => f.fileId === fileId);
}

function submitted(build: Build, data: RequestSubmitted['data']): void {
  const files = data.files.map((f): RecordTurnFile => ({
    fileId: f.fileId,
    name: f.name,
    group: f.group,
    kind: f.kind,
    sha256: f.sha256,
    size: f.size,
    quarantineKey: f.quarantineKey,
    votes: data.carriedVotes
      .filter((v) => v.fileId === f.fileId && v.sha256 === f.sha256)
      .map((v) => ({
        turn: data.turn,
        fileId: f.fileId,
        fileName: f.name,
        sha256: f.sha256,
        checker: build.who(v.checkerId, 'checker'),
        decision: 'approve' as const,
        castAt: data.submittedAt,
        carriedFromTurn: v.castInTurn,
        ...override(build, v.overrideJustification),
      })),
    exceptions: [],
  }));
  build.turns.push({
    turn: data.turn,
    submittedAt: data.submittedAt,
    submittedBy: build.who(data.submittedBy, 'checker'),
    groups: data.groups,
    approvalPolicy: data.policy,
    disclosureThresholds: data.disclosure ?? {},
    files,
    comments: [],
  });
}

// The author's copy says that a rule was overridden, not the checker's reasoning.
function override(build: Build, justification: string | undefined): Pick<RecordVote, 'overridden' | 'overrideJustification'> {
  if (!justification) return {};
  return build.audience === 'tre' ? { overridden: true, overrideJustification: justification } : { overridden: true };
}

function scanned(build: Build, { turn, fileId, result, scannedAt }: FileScanned['data']): void {
  const file = fileIn(build, turn, fileId);
  if (file) file.scan = { ...result, scannedAt };
}

function checked(build: Build, { turn, fileId, verdict, fileType, rulesVersion, policy, findings, checkedAt }: FileChecked['data']): void {
  const file = fileIn(build, turn, fileId);
  if (file) file.check = { verdict, fileType, rulesVersion, policy, findings, checkedAt };
}

function exception(build: Build, { turn, fileId, rule, justification, requestedBy, requestedAt }: ExceptionRequested['data']): void {
  fileIn(build, turn, fileId)?.exceptions.push({ turn, fileId, rule, justification, requestedBy: build.who(requestedBy, 'checker'), requestedAt });
}

function vote(build: Build, id: string, data: VoteCast['data']): void {
  const file = fileIn(build, data.turn, data.fileId);
  if (!file) return;
  const visible = data.comment && (build.audience === 'tre' || data.comment.visibility === 'public');
  file.votes.push({
    turn: data.turn,
    fileId: data.fileId,
    fileName: file.name,
    sha256: data.sha256,
    checker: build.who(data.checkerId, 'checker'),
    decision: data.decision,
    castAt: data.castAt,
    ...(visible && data.comment ? { comment: data.comment } : {}),
    ...override(build, data.overrideJustification),
    eventId: id,
  });
}

function comment(build: Build, id: string, { turn, fileId, authorId, comment: c, addedAt }: CommentAdded['data']): void {
  if (build.audience === 'author' && c.visibility !== 'public') return;
  build.turns
    .find((t) => t.turn === turn)
    ?.comments.push({
      turn,
      ...(fileId ? { fileId } : {}),
      author: build.who(authorId, 'checker'),
      visibility: c.visibility,
      text: c.text,
      addedAt,
      eventId: id,
    });
}

function decided(build: Build, id: string, event: RequestApproved | ChangesRequested | RequestRejected): void {
  const [decision, people] =
    event.type === 'RequestApproved'
      ? (['approved', event.data.approvers] as const)
      : event.type === 'ChangesRequested'
        ? (['changes_requested', event.data.requestedBy] as const)
        : (['rejected', event.data.rejectedBy] as const);
  const { turn, policy, decidedAt } = event.data;
  const entry: RecordDecision = { turn, decision, by: people.map((p) => build.who(p, 'checker')), policy, decidedAt, eventId: id };
  build.decisions.push(entry);
  const record = build.turns.find((t) => t.turn === turn);
  if (record) record.decision = entry;
}

function fileReleased(build: Build, { turn, fileId, sha256, releasedKey, releasedAt }: FileReleased['data']): void {
  build.released.push({ fileId, name: fileIn(build, turn, fileId)?.name ?? fileId, sha256, releasedKey, releasedAt });
}

function revoked(build: Build, { revokedBy, revokedAt, reason }: RequestRevoked['data']): void {
  build.revocation = { revokedBy: build.who(revokedBy, 'administrator'), revokedAt, reason, withdrawn: [] };
}

function withdrawn(build: Build, { fileId, sha256, releasedKey, withdrawnAt }: ReleasedFileWithdrawn['data']): void {
  build.revocation?.withdrawn.push({ fileId, sha256, releasedKey, withdrawnAt });
}

function apply(build: Build, recorded: RecordedEvent): void {
  const { event, id } = recorded;
  switch (event.type) {
    case 'RequestSubmitted':
      return submitted(build, event.data);
    case 'FileScanned':
      return scanned(build, event.data);
    case 'FileChecked':
      return checked(build, event.data);
    case 'ExceptionRequested':
      return exception(build, event.data);
    case 'VoteCast':
      return vote(build, id, event.data);
    case 'CommentAdded':
      return comment(build, id, event.data);
    case 'RequestApproved':
    case 'ChangesRequested':
    case 'RequestRejected':
      return decided(build, id, event);
    case 'FileReleased':
      return fileReleased(build, event.data);
    case 'RequestReleased':
      build.releasedAt = event.data.releasedAt;
      return;
    case 'RequestRevoked':
      return revoked(build, event.data);
    case 'ReleasedFileWithdrawn':
      return withdrawn(build, event.data);
    case 'ChecksStarted': {
      const t = build.turns.find((x) => x.turn === event.data.turn);
      if (t) t.checksStartedAt = event.data.startedAt;
      return;
    }
    case 'ReviewOpened': {
      const t = build.turns.find((x) => x.turn === event.data.turn);
      if (t) t.reviewOpenedAt = event.data.openedAt;
      return;
    }
    default:
      return;
  }
}

function timelineEntry(build: Build, { id, streamVersion, time, actor, event }: RecordedEvent): RecordTimelineEntry {
  return { eventId: id, streamVersion, type: event.type, time, actor: build.who(actor.userId, staffRole(actor.roles)), roles: [...actor.roles] };
}

/**
 * The release record of a released (or since revoked) request, from its state and its stored
 * events. Pure and deterministic: the same stream gives byte-for-byte the same JSON.
 * Refuses with WRONG_STATE while the request has not been released.
 */
export function buildReleaseRecord(state: RequestState, events: readonly RecordedEvent[], options: { audience?: RecordAudience } = {}): ReleaseRecord {
  if (state.status === 'none') throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
  const covered = recordedEvents(events);
  if (!covered) {
    throw new RequestError('WRONG_STATE', `A request that is ${state.status} has no release record yet`, {
      currentStatus: state.status,
      allowedStatuses: ['released', 'revoked'],
    });
  }
  const audience = options.audience ?? 'tre';
  const build: Build = { who: peopleFor(audience, state.authorId, state.checkers), audience, turns: [], decisions: [], released: [], timeline: [] };
  for (const recorded of covered) {
    apply(build, recorded);
    if (TIMELINE.has(recorded.event.type)) build.timeline.push(timelineEntry(build, recorded));
  }
  return assemble(state, build, covered);
}

function assemble(state: Extract<RequestState, { requestId: string }>, build: Build, covered: RecordedEvent[]): ReleaseRecord {
  const last = build.turns[build.turns.length - 1];
  const votes = build.turns.flatMap((t) => t.files.flatMap((f) => f.votes));
  const final = covered[covered.length - 1];
  return {
    recordType: 'airlock.release-record',
    recordVersion: RELEASE_RECORD_VERSION,
    audience: build.audience,
    request: {
      requestId: state.requestId,
      title: state.title,
      direction: state.direction,
      destination: releaseDestination(state),
      createdAt: state.createdAt,
      status: build.revocation ? 'revoked' : 'released',
      turns: build.turns.length,
    },
    project: { projectId: state.projectId },
    author: { userId: state.authorId },
    approvalPolicy: last.approvalPolicy,
    disclosureControl: { thresholds: last.disclosureThresholds, rules: rulesApplied(last.files) },
    groups: last.groups,
    files: last.files.map((f) => releasedFile(build, f)),
    turns: build.turns,
    votes,
    overrides: overrides(build.turns),
    exceptions: build.turns.flatMap((t) => t.files.flatMap((f) => f.exceptions)),
    decisions: build.decisions,
    release: {
      turn: last.turn,
      releasedAt: build.releasedAt ?? '',
      approvers: build.decisions.find((d) => d.turn === last.turn && d.decision === 'approved')?.by ?? [],
      files: build.released,
    },
    ...(build.revocation ? { revocation: build.revocation } : {}),
    timeline: build.timeline,
    basedOn: { events: covered.length, lastEventId: final.id, lastStreamVersion: final.streamVersion },
  };
}

function releasedFile(build: Build, file: RecordTurnFile): RecordFile {
  const released = build.released.find((r) => r.fileId === file.fileId);
  const withdrawnAt = build.revocation?.withdrawn.find((w) => w.fileId === file.fileId)?.withdrawnAt;
  return {
    ...file,
    released: Boolean(released),
    ...(released ? { releasedKey: released.releasedKey, releasedAt: released.releasedAt } : {}),
    ...(withdrawnAt ? { withdrawnAt } : {}),
    ...(file.kind === 'supporting' ? { notReleasedBecause: 'supporting files are never released' } : {}),
  };
}

/** The rule sets and parameters applied to the released turn, grouped by version and values. */
function rulesApplied(files: RecordTurnFile[]): ReleaseRecord['disclosureControl']['rules'] {
  const groups = new Map<string, ReleaseRecord['disclosureControl']['rules'][number]>();
  for (const file of files) {
    if (!file.check) continue;
    const key = `${file.check.rulesVersion}\u0000${JSON.stringify(file.check.policy)}`;
    const group = groups.get(key) ?? { rulesVersion: file.check.rulesVersion, policy: file.check.policy, fileIds: [] };
    group.fileIds.push(file.fileId);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function overrides(turns: RecordTurn[]): RecordOverride[] {
  return turns.flatMap((t) =>
    t.files.flatMap((f) =>
      f.votes
        .filter((v) => v.overridden)
        .map((v) => ({
          turn: v.turn,
          fileId: f.fileId,
          fileName: f.name,
          sha256: v.sha256,
          checker: v.checker,
          failedRules: [...new Set((f.check?.findings ?? []).filter((x) => x.verdict === 'fail').map((x) => x.rule))],
          castAt: v.castAt,
          ...(v.overrideJustification ? { justification: v.overrideJustification } : {}),
        })),
    ),
  );
}
