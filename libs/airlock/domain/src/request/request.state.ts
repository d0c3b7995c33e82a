import type {
  CheckFinding,
  CheckVerdict,
  FileKind,
  RequestEvent,
  ScanOutcome,
  VoteDecision,
} from './request.events';

export type RequestStatus =
  | 'draft'
  | 'submitted'
  | 'checking'
  | 'awaiting_review'
  | 'approved'
  | 'released'
  | 'rejected'
  | 'blocked'
  | 'failed';

export const TERMINAL_STATUSES: readonly RequestStatus[] = ['released', 'rejected', 'blocked', 'failed'];

export type Vote = {
  checkerId: string;
  decision: VoteDecision;
  comment?: string;
  overrideJustification?: string;
  castAt: string;
};

export type RequestFile = {
  fileId: string;
  name: string;
  kind: FileKind;
  sha256: string;
  size: number;
  draftKey: string;
  quarantineKey?: string;
  scan?: ScanOutcome;
  check?: { verdict: CheckVerdict; fileType: string; findings: CheckFinding[]; rulesVersion: string; policy: Record<string, unknown> };
  votes: Vote[];
  blockedKey?: string;
  releasedKey?: string;
};

export type RequestData = {
  requestId: string;
  projectId: string;
  title: string;
  authorId: string;
  createdAt: string;
  /** 0 while in draft; each submission starts a new turn. */
  turn: number;
  files: RequestFile[];
  approvers: string[];
  reason?: string;
};

export type ExistingRequest = RequestData & { status: RequestStatus };
export type RequestState = { status: 'none' } | ExistingRequest;

export const initialState: RequestState = { status: 'none' };

function updateFile(state: ExistingRequest, fileId: string, change: (file: RequestFile) => RequestFile): ExistingRequest {
  return { ...state, files: state.files.map((file) => (file.fileId === fileId ? change(file) : file)) };
}

function evolveExisting(state: ExistingRequest, event: RequestEvent): ExistingRequest {
  switch (event.type) {
    case 'RequestCreated':
      return state;
    case 'FileUploaded': {
      const { requestId: _r, uploadedAt: _u, ...file } = event.data;
      return { ...state, files: [...state.files, { ...file, votes: [] }] };
    }
    case 'RequestSubmitted': {
      const quarantineKeys = new Map(event.data.files.map((f) => [f.fileId, f.quarantineKey]));
      const files = state.files
        .filter((f) => quarantineKeys.has(f.fileId))
        .map((f) => ({ ...f, quarantineKey: quarantineKeys.get(f.fileId), scan: undefined, check: undefined, votes: [] }));
      return { ...state, status: 'submitted', turn: event.data.turn, files, approvers: [] };
    }
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
    case 'VoteCast': {
      const { checkerId, decision, comment, overrideJustification, castAt } = event.data;
      return updateFile(state, event.data.fileId, (f) => ({
        ...f,
        votes: [...f.votes, { checkerId, decision, comment, overrideJustification, castAt }],
      }));
    }
    case 'RequestApproved':
      return { ...state, status: 'approved', approvers: event.data.approvers };
    case 'RequestRejected':
      return { ...state, status: 'rejected' };
    case 'FileReleased':
      return updateFile(state, event.data.fileId, (f) => ({ ...f, releasedKey: event.data.releasedKey }));
    case 'RequestReleased':
      return { ...state, status: 'released' };
    case 'RequestFailed':
      return { ...state, status: 'failed', reason: event.data.reason };
    case 'FileDownloaded':
      return state;
  }
}

export function evolve(state: RequestState, event: RequestEvent): RequestState {
  if (state.status === 'none') {
    if (event.type !== 'RequestCreated') return state;
    const { requestId, projectId, title, authorId, createdAt } = event.data;
    return { status: 'draft', requestId, projectId, title, authorId, createdAt, turn: 0, files: [], approvers: [] };
  }
  return evolveExisting(state, event);
}

export function fold(events: readonly RequestEvent[]): RequestState {
  return events.reduce(evolve, initialState);
}

/** Files that leave the TRE when approved; supporting files never do. */
export function releasableFiles(state: ExistingRequest): RequestFile[] {
  return state.files.filter((f) => f.kind !== 'supporting');
}
