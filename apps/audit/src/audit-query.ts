import { META } from './audit-log.migrations';

// Auditors' filters (issue 5: by request, user, project, file hash, event type, time range) and
// their SQL. Parsed once at the edge; the SQL only ever sees bound parameters.
export type AuditFilter = {
  requestId?: string;
  userId?: string;
  projectId?: string;
  fileHash?: string;
  type?: string;
  /** Event time, RFC 3339, inclusive. */
  since?: string;
  /** Event time, RFC 3339, exclusive. */
  until?: string;
  fromPosition?: number;
  toPosition?: number;
};

export type AuditPageRequest = { after: number; limit: number };

export class AuditQueryError extends Error {
  readonly code = 'INVALID_QUERY';
}

type RawQuery = Record<string, string | string[] | undefined>;

const SHA256 = /^[0-9a-f]{64}$/;
/** Longest text filter accepted (the OpenAPI document states the same bounds, from these constants). */
export const MAX_ID = 512;
/** Pages of records and of checkpoints: default and largest `limit`. */
export const RECORDS_PAGE = { defaultLimit: 100, maxLimit: 1000 } as const;
export const CHECKPOINTS_PAGE = { defaultLimit: 20, maxLimit: 1000 } as const;

const hasControlCharacter = (value: string) => [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

function text(query: RawQuery, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = query[name];
    if (Array.isArray(value)) throw new AuditQueryError(`${name} may be given once`);
    if (value !== undefined && value !== '') {
      if (value.length > MAX_ID) throw new AuditQueryError(`${name} is too long`);
      // PostgreSQL text cannot hold NUL (the query would fail as a 500); no id or type holds a control character.
      if (hasControlCharacter(value)) throw new AuditQueryError(`${name} must not contain control characters`);
      return value;
    }
  }
  return undefined;
}

export function positiveInt(query: RawQuery, name: string, { min, max, fallback }: { min: number; max: number; fallback?: number }): number | undefined {
  const value = text(query, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) throw new AuditQueryError(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

function instant(query: RawQuery, name: string): string | undefined {
  const value = text(query, name);
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new AuditQueryError(`${name} must be an RFC 3339 time`);
  // Event times are written by toISOString(): normalising keeps the text comparison exact.
  return new Date(ms).toISOString();
}

/** Accepts the long names and the short ones the first API had (`subject`, `actor`). */
export function parseAuditFilter(query: RawQuery): AuditFilter {
  const fileHash = text(query, 'fileHash', 'sha256')?.toLowerCase();
  if (fileHash !== undefined && !SHA256.test(fileHash)) throw new AuditQueryError('fileHash must be a hex SHA-256');
  const filter: AuditFilter = {
    requestId: text(query, 'requestId', 'subject'),
    userId: text(query, 'userId', 'actor'),
    projectId: text(query, 'projectId', 'project'),
    fileHash,
    type: text(query, 'type'),
    since: instant(query, 'since'),
    until: instant(query, 'until'),
    fromPosition: positiveInt(query, 'from', { min: 1, max: Number.MAX_SAFE_INTEGER }),
    toPosition: positiveInt(query, 'to', { min: 1, max: Number.MAX_SAFE_INTEGER }),
  };
  if (filter.fromPosition && filter.toPosition && filter.fromPosition > filter.toPosition) throw new AuditQueryError('from must not be after to');
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as AuditFilter;
}

export function parsePage(query: RawQuery, { defaultLimit, maxLimit }: { defaultLimit: number; maxLimit: number }): AuditPageRequest {
  return {
    after: positiveInt(query, 'after', { min: 0, max: Number.MAX_SAFE_INTEGER, fallback: 0 }) as number,
    limit: positiveInt(query, 'limit', { min: 1, max: maxLimit, fallback: defaultLimit }) as number,
  };
}

/** Filters that select a subset of the chain (a position range alone does not). */
export function isSubset(filter: AuditFilter): boolean {
  return Object.keys(filter).some((k) => k !== 'fromPosition' && k !== 'toPosition');
}

export function filterAsStrings(filter: AuditFilter): Record<string, string> {
  return Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, String(v)]));
}

/** WHERE clause over `audit_records` for a filter, on the indexed expressions; parameters numbered from `$1`. */
export function filterSql(filter: AuditFilter): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const conditions: string[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.requestId !== undefined) conditions.push(`${META.subject} = ${bind(filter.requestId)}`);
  if (filter.userId !== undefined) conditions.push(`${META.actorId} = ${bind(filter.userId)}`);
  if (filter.projectId !== undefined) {
    // Only some events name the project (request created, access events): the rest follow their request.
    const p = bind(filter.projectId);
    conditions.push(
      `(${META.projectId} = ${p} OR ${META.subject} IN (SELECT ${META.subject} FROM audit_records WHERE ${META.projectId} = ${p} AND ${META.type} LIKE 'airlock.request.%'))`,
    );
  }
  if (filter.fileHash !== undefined) conditions.push(`${META.fileHashes} @> jsonb_build_array(${bind(filter.fileHash)}::text)`);
  if (filter.type !== undefined) conditions.push(`${META.type} = ${bind(filter.type)}`);
  if (filter.since !== undefined) conditions.push(`${META.time} >= ${bind(filter.since)}`);
  if (filter.until !== undefined) conditions.push(`${META.time} < ${bind(filter.until)}`);
  if (filter.fromPosition !== undefined) conditions.push(`position >= ${bind(filter.fromPosition)}`);
  if (filter.toPosition !== undefined) conditions.push(`position <= ${bind(filter.toPosition)}`);
  return { where: conditions.length ? conditions.join(' AND ') : 'TRUE', params };
}
