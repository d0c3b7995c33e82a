import { csrfTokensMatch, newCsrfToken } from './csrf';

describe('CSRF tokens', () => {
  it('are random and match only themselves', () => {
    const token = newCsrfToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrfTokensMatch(token, token)).toBe(true);
    expect(csrfTokensMatch(token, newCsrfToken())).toBe(false);
    expect(csrfTokensMatch(token, token.slice(0, -1))).toBe(false);
  });

  it.each([
    [undefined, undefined],
    ['', ''],
    ['abc', undefined],
    [undefined, 'abc'],
    ['abc', ['abc']],
  ])('never match a missing or non-string token (%p, %p)', (expected, submitted) => {
    expect(csrfTokensMatch(expected, submitted)).toBe(false);
  });
});
