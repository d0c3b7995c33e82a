import type { RegistryErrorCode, RequestErrorCode } from '@airlock/domain';

// RFC 9457 problem details with a stable machine-readable `code`. One mapping for the whole
// system; the switch is exhaustive so a new domain code cannot ship without an HTTP status.
export type Problem = {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  [extension: string]: unknown;
};

export function statusForRequestError(code: RequestErrorCode): number {
  switch (code) {
    case 'REQUEST_NOT_FOUND':
    case 'UNKNOWN_FILE':
    case 'UNKNOWN_LINK':
      return 404;
    case 'ROLE_REQUIRED':
    case 'NOT_AUTHOR':
    case 'SELF_REVIEW':
    case 'NOT_ACCREDITED':
    case 'NOT_PROJECT_MEMBER':
    case 'PROJECT_MEMBER_REVIEW':
    case 'NOT_ASSIGNED_CHECKER':
      return 403;
    case 'LINK_EXPIRED':
    case 'LINK_USED':
    case 'RELEASE_REVOKED':
      return 410;
    case 'REQUEST_ALREADY_EXISTS':
    case 'WRONG_STATE':
    case 'FILE_NAME_TAKEN':
    case 'DUPLICATE_VOTE':
    case 'FILE_NOT_RELEASED':
      return 409;
    // Input bounds (request.limits.ts: TEXT_TOO_LONG, TOO_MANY_*) share the edge's status, 400.
    case 'EMPTY_FILE':
    case 'NO_FILES':
    case 'INVALID_COMMAND':
    case 'INVALID_ID':
    case 'TEXT_TOO_LONG':
    case 'TOO_MANY_GROUPS':
    case 'TOO_MANY_FILES':
      return 400;
    case 'OVERRIDE_REQUIRED':
    case 'FILE_NOT_SCANNED':
    case 'HASH_MISMATCH':
    case 'UNKNOWN_GROUP':
    case 'MISSING_CONTEXT':
    case 'UNKNOWN_FINDING':
      return 422;
    // An import of a kind the project does not let in (docs/adr/0012-imports.md).
    case 'FILE_KIND_NOT_ALLOWED':
      return 415;
  }
}

export function statusForRegistryError(code: RegistryErrorCode): number {
  switch (code) {
    case 'ROLE_REQUIRED':
      return 403;
    case 'UNKNOWN_PROJECT':
    case 'NOT_MEMBER':
    case 'NOT_ASSIGNED':
    case 'NOT_ACCREDITED':
      return 404;
    case 'PROJECT_EXISTS':
    case 'ALREADY_MEMBER':
    case 'ALREADY_CHECKER':
      return 409;
    case 'INVALID_ID':
    case 'INVALID_POLICY':
    case 'INVALID_ACCREDITATION':
    case 'TEXT_TOO_LONG':
      return 400;
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(status: number, code: string, detail?: string, extensions: Record<string, unknown> = {}): Problem {
  // Extensions first: they may never override the standard members.
  return {
    ...extensions,
    type: `https://airlock.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    ...(detail ? { detail } : {}),
  };
}

/** A refusal raised by the HTTP layer itself (validation, limits), mapped like any other. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}
