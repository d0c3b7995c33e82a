import type { RequestEvent, RequestSubmitted } from './request.events';
import { initialState, type ExistingRequest, type RequestFile, type RequestState } from './request.state';

function updateFile(state: ExistingRequest, fileId: string, change: (file: RequestFile) => RequestFile): ExistingRequest {
  return { ...state, files: state.files.map((file) => (file.fileId === fileId ? change(file) : file)) };
}

/** Adds a checker at their first act, so each keeps one pseudonym for the life of the request. */
function actedAsChecker(state: ExistingRequest, userId: string): ExistingRequest {
  if (userId === state.authorId || state.checkers.includes(userId)) return state;
  return { ...state, checkers: [...state.checkers, userId] };
}

/** The turn as it was reviewed: its files with their votes, scans and checks, its outcome and comments. */
const turnRecord = (state: ExistingRequest) => ({
  turn: state.turn,
  files: state.files,
  outcome: state.status,
  comments: state.comments.filter((c) => c.turn === state.turn),
});

function submitted(state: ExistingRequest, data: RequestSubmitted['data']): ExistingRequest {
  // A returned turn went into the history when it was returned, before the author edited the
  // files: keep those files, bring its comments up to date (the author may have answered since).
  const last = state.history[state.history.length - 1];
  const history =
    state.turn === 0
      ? state.history
      : last?.turn === state.turn
        ? [...state.history.slice(0, -1), { ...last, comments: state.comments.filter((c) => c.turn === state.turn) }]
        : [...state.history, turnRecord(state)];
  const previous = new Map(state.files.map((f) => [f.fileId, f]));
  const files = data.files.map((f): RequestFile => {
    const draft = previous.get(f.fileId);
    const carried = data.carriedVotes
      .filter((v) => v.fileId === f.fileId && v.sha256 === f.sha256)
      .map((v) => ({
        checkerId: v.checkerId,
        sha256: v.sha256,
        decision: 'approve' as const,
        turn: data.turn,
        carried: true,
        overrideJustification: v.overrideJustification,
        castAt: data.submittedAt,
      }));
    return { ...f, draftKey: draft?.draftKey ?? '', ...(draft?.content ? { content: draft.content } : {}), votes: carried, exceptions: [] };
  });
  const imports = data.imports ? { imports: data.imports } : {};
  return { ...state, status: 'submitted', turn: data.turn, files, groups: data.groups, policy: data.policy, ...imports, decidedBy: [], history };
}

function evolveExisting(state: ExistingRequest, event: RequestEvent): ExistingRequest {
  switch (event.type) {
    case 'RequestCreated':
      return state;
    case 'GroupDefined': {
      const { group, context, controls } = event.data;
      return { ...state, groups: [...state.groups.filter((g) => g.group !== group), { group, context, controls }] };
    }
    case 'FileUploaded': {
      const { requestId: _r, uploadedAt: _u, ...file } = event.data;
      return { ...state, files: [...state.files, { ...file, votes: [], exceptions: [] }] };
    }
    case 'FileRemoved':
      return { ...state, files: state.files.filter((f) => f.fileId !== event.data.fileId) };
    case 'RequestSubmitted':
      return submitted(state, event.data);
    case 'RequestWithdrawn':
      return { ...state, status: 'withdrawn' };
    case 'ChecksStarted':
      return { ...state, status: 'checking' };
    case 'FileScanned':
      return updateFile(state, event.data.fileId, (f) => ({ ...f, scan: event.data.result }));
    case 'FileBlocked':
      return updateFile(state, event.data.fileId, (f) => ({ ...f, blockedKey: event.data.blockedKey }));
    case 'RequestBlocked':
      return { ...state, status: 'blocked', reason: event.data.reason };
    case 'FileChecked': {
      const { verdict, fileType, findings, rulesVersion, policy } = event.data;
      return updateFile(state, event.data.fileId, (f) => ({ ...f, check: { verdict, fileType, findings, rulesVersion, policy } }));
    }
    case 'ReviewOpened':
      return { ...state, status: 'awaiting_review' };
    case 'ExceptionRequested': {
      const { rule, justification, turn, requestedAt } = event.data;
      return updateFile(state, event.data.fileId, (f) => ({ ...f, exceptions: [...f.exceptions, { rule, justification, turn, requestedAt }] }));
    }
    case 'VoteCast': {
      const { checkerId, sha256, decision, comment, overrideJustification, castAt, turn } = event.data;
      return updateFile(actedAsChecker(state, checkerId), event.data.fileId, (f) => ({
        ...f,
        votes: [...f.votes, { checkerId, sha256, decision, turn, comment, overrideJustification, castAt }],
      }));
    }
    case 'CommentAdded': {
      const { fileId, authorId, comment, turn, addedAt } = event.data;
      const acted = actedAsChecker(state, authorId);
      return { ...acted, comments: [...acted.comments, { fileId, authorId, comment, turn, addedAt }] };
    }
    case 'RequestApproved':
      return { ...state, status: 'approved', decidedBy: event.data.approvers };
    case 'ChangesRequested': {
      const returned: ExistingRequest = { ...state, status: 'changes_requested', decidedBy: event.data.requestedBy };
      // The reviewed turn is recorded now: the author's edits that follow belong to the next turn.
      return { ...returned, history: [...state.history, turnRecord(returned)] };
    }
    case 'RequestRejected':
      return { ...state, status: 'rejected', decidedBy: event.data.rejectedBy };
    case 'FileReleased':
      return updateFile(state, event.data.fileId, (f) => ({ ...f, releasedKey: event.data.releasedKey }));
    case 'RequestReleased':
      return { ...state, status: 'released' };
    case 'DownloadLinkIssued': {
      const { linkId, fileId, issuedTo, expiresAt } = event.data;
      return { ...state, links: [...state.links, { linkId, fileId, issuedTo, expiresAt, used: false }] };
    }
    case 'FileDownloaded':
      return { ...state, links: state.links.map((l) => (l.linkId === event.data.linkId ? { ...l, used: true } : l)) };
    case 'RequestRevoked':
      return { ...state, status: 'revoked', reason: event.data.reason };
    case 'ReleasedFileWithdrawn':
      return updateFile(state, event.data.fileId, (f) => ({ ...f, withdrawnFromRelease: true }));
    case 'RejectedFileMoved':
      return updateFile(state, event.data.fileId, (f) => ({ ...f, rejectedKey: event.data.rejectedKey }));
    case 'RequestFailed':
      return { ...state, status: 'failed', reason: event.data.reason };
  }
}

export function evolve(state: RequestState, event: RequestEvent): RequestState {
  if (state.status === 'none') {
    if (event.type !== 'RequestCreated') return state;
    const { requestId, projectId, title, authorId, createdAt, direction } = event.data;
    return {
      status: 'draft',
      requestId,
      projectId,
      title,
      authorId,
      direction: direction ?? 'export',
      createdAt,
      turn: 0,
      groups: [],
      files: [],
      comments: [],
      decidedBy: [],
      checkers: [],
      links: [],
      history: [],
    };
  }
  return evolveExisting(state, event);
}

export function fold(events: readonly RequestEvent[]): RequestState {
  return events.reduce(evolve, initialState);
}
