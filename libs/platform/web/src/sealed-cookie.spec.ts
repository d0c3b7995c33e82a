import { randomBytes } from 'node:crypto';
import { SealedCookies } from './sealed-cookie';

describe('SealedCookies', () => {
  const cookies = new SealedCookies(randomBytes(32));
  const later = Date.now() + 60_000;

  it('opens what it sealed, and the sealed text does not show the value', () => {
    const sealed = cookies.seal('session', { userId: 'alice', csrf: 'token' }, later);
    expect(sealed).not.toContain('alice');
    expect(cookies.open('session', sealed)).toEqual({ userId: 'alice', csrf: 'token' });
  });

  it('refuses a cookie with any byte changed', () => {
    const sealed = Buffer.from(cookies.seal('session', { userId: 'alice' }, later), 'base64url');
    for (const index of [0, 12, 20, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[index] ^= 1;
      expect(cookies.open('session', tampered.toString('base64url'))).toBeUndefined();
    }
  });

  it('refuses a cookie sealed under another name, another key, or expired', () => {
    const sealed = cookies.seal('login', { state: 's' }, later);
    expect(cookies.open('session', sealed)).toBeUndefined();
    expect(new SealedCookies(randomBytes(32)).open('login', sealed)).toBeUndefined();
    expect(cookies.open('login', sealed, later + 1)).toBeUndefined();
  });

  it.each([undefined, '', 'not-base64!', 'x'.repeat(9000), 42])('refuses malformed input %p', (bad) => {
    expect(cookies.open('session', bad)).toBeUndefined();
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => new SealedCookies(randomBytes(31))).toThrow(/32 bytes/);
  });
});
