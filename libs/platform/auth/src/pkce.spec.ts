import { codeChallengeS256, isCodeVerifier, newCodeVerifier, verifiesChallenge } from './pkce';

describe('PKCE (S256)', () => {
  it('computes the challenge of RFC 7636 appendix B', () => {
    expect(codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes fresh verifiers of 43 unreserved characters', () => {
    const a = newCodeVerifier();
    expect(isCodeVerifier(a)).toBe(true);
    expect(a).toHaveLength(43);
    expect(newCodeVerifier()).not.toBe(a);
  });

  it('verifies only the verifier the challenge was made from', () => {
    const verifier = newCodeVerifier();
    const challenge = codeChallengeS256(verifier);
    expect(verifiesChallenge(verifier, challenge)).toBe(true);
    expect(verifiesChallenge(newCodeVerifier(), challenge)).toBe(false);
    // `plain` (the verifier sent as its own challenge) is not accepted.
    expect(verifiesChallenge(verifier, verifier)).toBe(false);
  });

  it.each([undefined, '', 'short', 'a'.repeat(129), `${'a'.repeat(42)} `, 42])('refuses a malformed verifier %p', (bad) => {
    expect(verifiesChallenge(bad, codeChallengeS256(newCodeVerifier()))).toBe(false);
    expect(isCodeVerifier(bad)).toBe(false);
  });
});
