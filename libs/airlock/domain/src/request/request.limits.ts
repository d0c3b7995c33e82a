import type { RequestCommand } from './request.commands';
import { RequestError } from './request.errors';
import type { ExistingRequest } from './request.state';

/**
 * Every piece of user text or count that is copied into an event is bounded (docs/design.md invariant 9,
 * no slow poison): events stay small (far below the event store's cap, EVENT_MAX_BYTES 512 KiB, and
 * Kafka's 1 MiB message limit), so no single input can stop the flow of others. Lengths are in
 * characters (UTF-16 code units, what `String.length` and JSON Schema `maxLength` count).
 *
 * Chosen as a TRE would: a group's context and its controls each fit a long page (8,000); all of a
 * request's group descriptions together 64,000, so the submission event carrying them stays small;
 * 50 groups and 500 files per request cover the largest output packages seen in practice.
 * The HTTP layer checks the same numbers at the edge (request-input.ts LIMITS) and publishes them
 * in the OpenAPI documents as maxLength / maxItems.
 */
export const INPUT_LIMITS = {
  title: 200,
  projectName: 200,
  group: 100,
  context: 8_000,
  controls: 8_000,
  /** Context and controls of all a request's groups together: RequestSubmitted carries them. */
  groupTextPerRequest: 64_000,
  fileName: 255,
  comment: 4_000,
  justification: 4_000,
  /** Revoke and accreditation-revocation reasons. */
  reason: 2_000,
  rule: 64,
  groupsPerRequest: 50,
  filesPerRequest: 500,
} as const;

export type InputLimitField = keyof typeof INPUT_LIMITS;

/** A text over its limit, as the edge reports it: 400 TEXT_TOO_LONG naming the field and the limit. */
export function textTooLong(field: string, value: string | undefined, max: number): boolean {
  return value !== undefined && value.length > max;
}

function requireText(field: string, value: string | undefined, max: number): void {
  if (textTooLong(field, value, max)) throw new RequestError('TEXT_TOO_LONG', `${field} is limited to ${max} characters`, { field, max });
}

/** The text a person puts into a command, checked before anything else is decided. */
export function requireTextWithinLimits(command: RequestCommand): void {
  const L = INPUT_LIMITS;
  switch (command.type) {
    case 'CreateRequest':
      return requireText('title', command.data.title, L.title);
    case 'DefineGroup':
      requireText('group', command.data.group, L.group);
      requireText('context', command.data.context, L.context);
      return requireText('controls', command.data.controls, L.controls);
    case 'AddFile':
      requireText('name', command.data.name, L.fileName);
      return requireText('group', command.data.group, L.group);
    case 'RequestException':
      requireText('rule', command.data.rule, L.rule);
      return requireText('justification', command.data.justification, L.justification);
    case 'CastVote':
      requireText('comment', command.data.comment?.text, L.comment);
      return requireText('overrideJustification', command.data.overrideJustification, L.justification);
    case 'AddComment':
      return requireText('text', command.data.comment.text, L.comment);
    case 'Revoke':
      return requireText('reason', command.data.reason, L.reason);
    default:
      // The system's own commands (scan, check, release, failure) carry no person's text.
      return;
  }
}

/** A new group is refused past 50 groups, or past the request's budget of group text. */
export function requireGroupWithinLimits(state: ExistingRequest, group: { group: string; context: string; controls: string }): void {
  const others = state.groups.filter((g) => g.group !== group.group);
  if (others.length >= INPUT_LIMITS.groupsPerRequest) {
    throw new RequestError('TOO_MANY_GROUPS', `A request is limited to ${INPUT_LIMITS.groupsPerRequest} groups`, { max: INPUT_LIMITS.groupsPerRequest });
  }
  const total = [...others, group].reduce((sum, g) => sum + g.context.length + g.controls.length, 0);
  if (total > INPUT_LIMITS.groupTextPerRequest) {
    throw new RequestError('TEXT_TOO_LONG', `The context and controls of all groups together are limited to ${INPUT_LIMITS.groupTextPerRequest} characters`, {
      field: 'groups',
      max: INPUT_LIMITS.groupTextPerRequest,
    });
  }
}

export function requireRoomForFile(state: ExistingRequest): void {
  if (state.files.length >= INPUT_LIMITS.filesPerRequest) {
    throw new RequestError('TOO_MANY_FILES', `A request is limited to ${INPUT_LIMITS.filesPerRequest} files`, { max: INPUT_LIMITS.filesPerRequest });
  }
}
