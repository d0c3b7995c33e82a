import { ID_MAX_LENGTH, ID_PATTERN, ID_RULE, INPUT_LIMITS, RequestError, isValidId, type CommentVisibility, type IdField } from '@airlock/domain';
import { HttpProblem } from './problem';

// Input checks shared by the HTTP controllers: clear 400s, never a 500.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function requestId(id: string): string {
  if (!UUID.test(id)) throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
  return id;
}

/** A project, user, file or group id from a route or a body: the one grammar (id.grammar.ts), else 400 naming the field. */
export function id(value: unknown, field: IdField): string {
  if (!isValidId(value)) throw new HttpProblem(400, 'INVALID_ID', `${field} must be ${ID_RULE}`, { field });
  return value;
}

/** An optional id in a JSON body: absent or null is undefined, anything else must hold the grammar. */
export function optionalId(input: Record<string, unknown>, field: IdField): string | undefined {
  const value = Object.hasOwn(input, field) ? input[field] : undefined;
  return value === undefined || value === null ? undefined : id(value, field);
}

/** OpenAPI schema of an id, for route params and body fields. */
export const ID_SCHEMA = { type: 'string', pattern: ID_PATTERN, minLength: 1, maxLength: ID_MAX_LENGTH } as const;

export function body(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpProblem(400, 'INVALID_BODY', 'A JSON object is expected');
  return value as Record<string, unknown>;
}

export function text(input: Record<string, unknown>, field: string, max: number): string {
  const value = input[field];
  if (typeof value !== 'string' || value.trim() === '') throw new HttpProblem(400, 'INVALID_BODY', `${field} must be a non-empty string`);
  if (value.length > max) throw new HttpProblem(400, 'TEXT_TOO_LONG', `${field} is limited to ${max} characters`, { field, max });
  return value.trim();
}

export function optionalText(input: Record<string, unknown>, field: string, max: number): string | undefined {
  return input[field] === undefined || input[field] === null ? undefined : text(input, field, max);
}

export function visibility(input: Record<string, unknown>, fallback: CommentVisibility): CommentVisibility {
  const value = input['visibility'] ?? fallback;
  if (value !== 'private' && value !== 'public') throw new HttpProblem(400, 'INVALID_BODY', 'visibility must be private or public');
  return value;
}

// The edge checks the domain's limits (request.limits.ts) so the OpenAPI documents show them.
export const LIMITS = INPUT_LIMITS;
