import {
  RequestError,
  hasRole,
  isAccredited,
  type Actor,
  type Comment,
  type ExistingRequest,
  type RequestCommand,
  type RequestFile,
  type RequestState,
  type VoteDecision,
} from '@airlock/domain';
import { parseViewTag, requestId } from '@airlock/http';
import { requestView, viewTag, type RequestView } from '@airlock/application';
import type { EventEnvelope } from '@airlock/contracts';
import type { ReviewDeps } from './reviews.controller';
import type { ReviewSummary } from './review-read-model';

/** A vote as both the JSON API and the pages hand it over, already validated as input. */
export type VoteInput = { fileId: string; decision: VoteDecision; comment?: Comment; overrideJustification?: string };
export type CommentInput = { fileId?: string; comment: Comment };

/** A request as one checker may see it, with the stream's events for the timeline (to be filtered before showing). */
export type CheckerRequest = { view: RequestView; state: ExistingRequest; envelopes: EventEnvelope[] };

function requireChecker(actor: Actor): void {
  if (!hasRole(actor, 'output_checker')) throw new RequestError('ROLE_REQUIRED', 'This action needs the output_checker role', { role: 'output_checker' });
}

function existing(state: RequestState): ExistingRequest {
  if (state.status === 'none') throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
  return state;
}

/**
 * The checkers' use cases, shared by the JSON API (reviews.controller.ts) and the pages
 * (workbench/checker-pages.controller.ts), so a page never has rules of its own: the queue, a
 * request as the checker sees it, a vote, a comment, and opening a frozen file to look at.
 */
export class CheckerReviews {
  constructor(private readonly deps: ReviewDeps) {}

  private now(): string {
    return this.deps.clock().toISOString();
  }

  /** Requests of the projects the caller checks, never their own nor their projects'; oldest change first. */
  async queue(actor: Actor, status: string | undefined, limit: number): Promise<Omit<ReviewSummary, 'version'>[]> {
    requireChecker(actor);
    const person = await this.deps.registry.enrich(actor);
    // Safe people: the queue itself (titles, authors) is closed to a checker whose accreditation lapsed.
    if (!isAccredited(person, this.now())) throw new RequestError('NOT_ACCREDITED', 'Your accreditation is missing or has expired');
    const items = await this.deps.readModel.list(status, limit, person.checksProjectIds ?? []);
    // Blinded review: no stream version in the queue either (it counts the other checkers' votes).
    return items.filter((i) => i.authorId !== actor.userId && !(person.projectIds ?? []).includes(i.projectId)).map(({ version: _version, ...item }) => item);
  }

  /** A request under review as this checker sees it; refused to its author and to anyone not an independent checker of its project. */
  async request(actor: Actor, id: string): Promise<CheckerRequest> {
    requireChecker(actor);
    const person = await this.deps.registry.enrich(actor);
    const { state, version, envelopes } = await this.deps.requests.load(requestId(id));
    const request = existing(state);
    if (request.authorId === actor.userId) throw new RequestError('SELF_REVIEW', 'The author of a request cannot review it');
    const view = requestView(request, version, person, 'checker', this.now());
    if (!view.actions.includes('view')) throw new RequestError('NOT_ASSIGNED_CHECKER', 'You are not an independent, accredited checker of this project');
    return { view, state: request, envelopes };
  }

  /** `ifMatch`: a checker's ETag; with it the command is decided only if the view it names is still what the checker sees. */
  private async run(id: string, token: Actor, ifMatch: string | undefined, build: (person: Actor, at: string) => RequestCommand): Promise<RequestView> {
    const etag = parseViewTag(ifMatch);
    const person = await this.deps.registry.enrich(token);
    const etagOf = (state: RequestState, version: number) =>
      state.status === 'none' ? '' : viewTag(requestView(state, version, person, 'checker', this.now()));
    const expected = etag === undefined ? undefined : { etag, etagOf };
    const result = await this.deps.requests.execute(requestId(id), (_s, at) => build(person, at), { expected });
    return requestView(existing(result.state), result.version, person, 'checker', this.now());
  }

  vote(actor: Actor, id: string, input: VoteInput, ifMatch?: string): Promise<RequestView> {
    return this.run(id, actor, ifMatch, (person, at) => ({ type: 'CastVote', actor: person, at, data: input }));
  }

  comment(actor: Actor, id: string, input: CommentInput, ifMatch?: string): Promise<RequestView> {
    return this.run(id, actor, ifMatch, (person, at) => ({ type: 'AddComment', actor: person, at, data: input }));
  }

  /**
   * A submitted file the caller may look at, for the JSON API's raw content and the pages' viewer.
   * A file that carries malware is never shown.
   */
  async viewableFile(actor: Actor, id: string, fileId: string): Promise<{ state: ExistingRequest; file: RequestFile & { quarantineKey: string } }> {
    const { state } = await this.request(actor, id);
    const file = state.files.find((f) => f.fileId === fileId);
    if (!file?.quarantineKey) throw new RequestError('UNKNOWN_FILE', 'The request has no such submitted file', { fileId });
    if (file.blockedKey) throw new RequestError('WRONG_STATE', 'A file that carries malware is never shown', { fileId });
    return { state, file: { ...file, quarantineKey: file.quarantineKey } };
  }
}
