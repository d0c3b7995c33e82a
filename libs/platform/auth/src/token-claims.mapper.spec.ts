import { AuthError } from './auth.errors';
import { actorFromClaims } from './token-claims.mapper';

// The token's subject becomes the user id in the registry, events and audit: one id grammar.
describe('actorFromClaims', () => {
  it.each(['3f1c9a52-0b1e-4c57-9a4e-0d1a2b3c4d5e', 'alice@example.org', 'constructor', 'f.lastname'])('takes the subject %p as the user id', (sub) => {
    expect(actorFromClaims({ sub, roles: ['researcher'] })).toEqual({ userId: sub, roles: ['researcher'] });
  });

  it.each(['__proto__', '_admin', '.hidden', 'a b', 'a/b', 'x'.repeat(65), 'ü'])('refuses the subject %p as an invalid token', (sub) => {
    expect(() => actorFromClaims({ sub, roles: ['administrator'] })).toThrow(expect.objectContaining({ code: 'TOKEN_INVALID' }));
    expect(() => actorFromClaims({ sub, roles: ['administrator'] })).toThrow(AuthError);
  });
});
