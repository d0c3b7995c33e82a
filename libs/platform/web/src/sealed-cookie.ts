import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

// Cookies the browser holds but can neither read nor forge: AES-256-GCM under a key derived
// (HKDF-SHA256) from the service's session secret and the cookie's name, the name also bound as
// associated data, so one cookie can never be replayed as another (docs/adr/0011-web-pages.md).

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SealedCookies {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly secret: Buffer) {
    if (secret.length < 32) throw new Error('The session secret must be at least 32 bytes');
  }

  seal(name: string, value: object, expiresAt: number): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key(name), iv);
    cipher.setAAD(Buffer.from(name, 'utf8'));
    const body = Buffer.concat([cipher.update(JSON.stringify({ v: value, exp: expiresAt }), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The value, or undefined for anything tampered with, sealed for another name, malformed or expired. */
  open<T>(name: string, sealed: unknown, now = Date.now()): T | undefined {
    if (typeof sealed !== 'string' || sealed.length > 8192) return undefined;
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key(name), raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(name, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      const { v, exp } = JSON.parse(plain) as { v: T; exp: number };
      return typeof exp === 'number' && exp > now ? v : undefined;
    } catch {
      return undefined;
    }
  }

  private key(name: string): Buffer {
    let key = this.keys.get(name);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.secret, Buffer.alloc(0), `airlock-web-cookie:${name}`, 32));
      this.keys.set(name, key);
    }
    return key;
  }
}
