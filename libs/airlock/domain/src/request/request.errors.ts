// Refusals the domain can give. One filter in the HTTP layer maps each code to a status,
// so adding a code without a mapping fails the build (exhaustive switch).
export type RequestErrorCode =
  | 'REQUEST_NOT_FOUND'
  | 'REQUEST_ALREADY_EXISTS'
  | 'ROLE_REQUIRED'
  | 'NOT_ACCREDITED'
  | 'NOT_PROJECT_MEMBER'
  | 'PROJECT_MEMBER_REVIEW'
  | 'NOT_ASSIGNED_CHECKER'
  | 'NOT_AUTHOR'
  | 'WRONG_STATE'
  | 'NO_FILES'
  | 'EMPTY_FILE'
  | 'FILE_NAME_TAKEN'
  | 'UNKNOWN_FILE'
  | 'UNKNOWN_GROUP'
  | 'MISSING_CONTEXT'
  | 'UNKNOWN_FINDING'
  | 'UNKNOWN_LINK'
  | 'LINK_EXPIRED'
  | 'LINK_USED'
  | 'HASH_MISMATCH'
  | 'SELF_REVIEW'
  | 'DUPLICATE_VOTE'
  | 'OVERRIDE_REQUIRED'
  | 'FILE_NOT_SCANNED'
  | 'FILE_NOT_RELEASED'
  | 'RELEASE_REVOKED'
  | 'INVALID_COMMAND'
  | 'INVALID_ID'
  | 'TEXT_TOO_LONG'
  | 'TOO_MANY_GROUPS'
  | 'TOO_MANY_FILES'
  | 'FILE_KIND_NOT_ALLOWED';

export class RequestError extends Error {
  constructor(
    readonly code: RequestErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RequestError';
  }
}
