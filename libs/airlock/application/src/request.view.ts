import { createHash } from 'node:crypto';
import {
  approvalsVisibleTo,
  availableActions,
  commentsVisibleToChecker,
  releaseDestination,
  pseudonymForResearcher,
  votesVisibleTo,
  type Actor,
  type CommentRecord,
  type ExistingRequest,
  type RequestAction,
  type RequestFile,
} from '@airlock/domain';

// The JSON both HTTP APIs return for a request. Researchers see public comments and the
// automated findings, never who voted what, and checkers only as "Checker 1", "Checker 2";
// checkers see each other's votes, approvals and comments only once the turn is decided
// (blinded review). Every response says what the caller may do next.
export type Audience = 'researcher' | 'checker';

/** Checkers' public comments reach the researcher once the review is decided, without who wrote them. */
function publicFeedback(state: ExistingRequest, f: RequestFile): { text: string; turn: number }[] {
  if (state.status === 'awaiting_review') return [];
  return f.votes.filter((v) => v.comment?.visibility === 'public').map((v) => ({ text: v.comment?.text ?? '', turn: v.turn }));
}

/** `U+0064 U+0430 …`: a name as code points, so checkers can tell look-alike names apart (Cyrillic а vs Latin a). */
export const codePointsOf = (value: string) => [...value].map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`).join(' ');

function fileView(state: ExistingRequest, f: RequestFile, actor: Actor, audience: Audience) {
  const approvals = approvalsVisibleTo(state, actor.userId, f);
  return {
    fileId: f.fileId,
    name: f.name,
    ...(audience === 'checker' ? { nameCodePoints: codePointsOf(f.name) } : {}),
    group: f.group,
    kind: f.kind,
    sha256: f.sha256,
    size: f.size,
    // Imports: what the name and bytes showed the file to be (checked against the project's import policy).
    ...(f.content ? { content: f.content } : {}),
    ...(f.scan ? { scan: f.scan } : {}),
    ...(f.check ? { check: f.check } : {}),
    exceptions: f.exceptions,
    approvals,
    ...(audience === 'checker' ? { votes: votesVisibleTo(state, actor.userId, f) } : { feedback: publicFeedback(state, f) }),
    released: Boolean(f.releasedKey) && !f.withdrawnFromRelease,
    blocked: Boolean(f.blockedKey),
  };
}

export type FileView = ReturnType<typeof fileView>;

function commentsFor(state: ExistingRequest, actor: Actor, audience: Audience): CommentRecord[] {
  if (audience === 'checker') return commentsVisibleToChecker(state, actor.userId);
  return state.comments.filter((c) => c.comment.visibility === 'public').map((c) => ({ ...c, authorId: pseudonymForResearcher(state, c.authorId) }));
}

export function requestView(state: ExistingRequest, version: number, actor: Actor, audience: Audience, at: string) {
  const comments = commentsFor(state, actor, audience);
  return {
    requestId: state.requestId,
    projectId: state.projectId,
    title: state.title,
    authorId: state.authorId,
    // Which way the files travel, and where approved files go (docs/adr/0012-imports.md).
    direction: state.direction,
    destination: releaseDestination(state),
    status: state.status,
    turn: state.turn,
    createdAt: state.createdAt,
    ...(state.reason ? { reason: state.reason } : {}),
    // Blinded review: the stream's version counts every event, the other checkers' votes among
    // them, so a checker's view leaves it out; its ETag is viewTag(view) instead.
    ...(audience === 'checker' ? {} : { version }),
    groups: state.groups,
    files: state.files.map((f) => fileView(state, f, actor, audience)),
    comments,
    ...(state.policy ? { policy: state.policy } : {}),
    ...(state.imports ? { imports: state.imports } : {}),
    history: state.history.map((t) => ({
      turn: t.turn,
      outcome: t.outcome,
      files: t.files.map((f) => ({ fileId: f.fileId, name: f.name, sha256: f.sha256 })),
    })),
    actions: availableActions(state, actor, at) as RequestAction[],
  };
}

export type RequestView = ReturnType<typeof requestView>;

/**
 * A checker's ETag: a digest of exactly what the view shows them (without the actions, which
 * follow the clock). It changes when something they can see changes and never with what blinded
 * review hides from them (another checker's vote or private comment before the turn is decided),
 * so it tells them nothing the view does not. Researchers and administrators get the version.
 */
export function viewTag(view: RequestView): string {
  const { actions: _actions, ...shown } = view;
  return `v-${createHash('sha256').update(canonicalJson(shown)).digest('base64url').slice(0, 32)}`;
}

/** JSON with object keys in sorted order, so equal views give equal digests. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
