import { AuthError } from './auth.errors';

// Larger than any real access token (Keycloak's are a few KiB); bounds work on hostile input.
const MAX_TOKEN_LENGTH = 16 * 1024;

/** Extracts the token from `Authorization: Bearer <token>`; anything else is TOKEN_MISSING. */
export function bearerTokenFrom(authorizationHeader: string | undefined): string {
  // RFC 7235: the auth scheme is case-insensitive.
  const match = /^Bearer +(\S+) *$/i.exec(authorizationHeader ?? '');
  if (!match) {
    throw new AuthError('TOKEN_MISSING', 'Authorization header must be "Bearer <token>"');
  }
  const token = match[1];
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new AuthError('TOKEN_INVALID', 'Bearer token is too long');
  }
  return token;
}
