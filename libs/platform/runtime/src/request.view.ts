import { availableActions, type Actor, type ExistingRequest, type RequestAction } from '@airlock/domain';

// The JSON shape both HTTP APIs return for a request. Checkers' identities and comments are not
// shown to researchers; every response says what the caller may do next.
export type RequestView = {
  requestId: string;
  projectId: string;
  title: string;
  authorId: string;
  status: ExistingRequest['status'];
  turn: number;
  createdAt: string;
  reason?: string;
  version: number;
  files: FileView[];
  actions: RequestAction[];
};

export type FileView = {
  fileId: string;
  name: string;
  kind: string;
  sha256: string;
  size: number;
  scan?: ExistingRequest['files'][number]['scan'];
  check?: { verdict: string; fileType: string; findings: unknown[]; rulesVersion: string; policy: Record<string, unknown> };
  approvals: number;
  votes?: { checkerId: string; decision: string; comment?: string; overrideJustification?: string; castAt: string }[];
  released: boolean;
  blocked: boolean;
};

export function requestView(state: ExistingRequest, version: number, actor: Actor, audience: 'researcher' | 'checker'): RequestView {
  return {
    requestId: state.requestId,
    projectId: state.projectId,
    title: state.title,
    authorId: state.authorId,
    status: state.status,
    turn: state.turn,
    createdAt: state.createdAt,
    ...(state.reason ? { reason: state.reason } : {}),
    version,
    files: state.files.map((f) => ({
      fileId: f.fileId,
      name: f.name,
      kind: f.kind,
      sha256: f.sha256,
      size: f.size,
      ...(f.scan ? { scan: f.scan } : {}),
      ...(f.check ? { check: f.check } : {}),
      approvals: f.votes.filter((v) => v.decision === 'approve').length,
      ...(audience === 'checker' ? { votes: f.votes } : {}),
      released: Boolean(f.releasedKey),
      blocked: Boolean(f.blockedKey),
    })),
    actions: availableActions(state, actor),
  };
}
