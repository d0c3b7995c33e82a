// One coded error for the module; the HTTP layer maps the code exhaustively:
// TOKEN_* → 401, ISSUER_UNAVAILABLE → 503 (fail closed: no JWKS, no access).
export type AuthErrorCode = 'TOKEN_MISSING' | 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'ISSUER_UNAVAILABLE';

export class AuthError extends Error {
  override readonly name = 'AuthError';

  constructor(
    readonly code: AuthErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
