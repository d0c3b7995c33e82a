import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateSigningKey, signingKeyFromPem, type SigningKey } from '@airlock/access-log';
import type { Logger } from 'pino';

const DEV_KEY_FILE = 'audit-signing-key.pem';

/**
 * The checkpoint signing key: from configuration in production; otherwise a development key kept in
 * the data dir, created once: written aside, then linked into place, which fails if another process
 * got there first, so services booting together end up with one complete key.
 */
export function loadSigningKey(source: { pem?: string; file?: string }, dataDir: string, logger: Logger): SigningKey {
  if (source.pem) return signingKeyFromPem(source.pem);
  if (source.file) return signingKeyFromPem(readFileSync(source.file, 'utf8'));
  const file = path.resolve(dataDir, DEV_KEY_FILE);
  try {
    return signingKeyFromPem(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const { key, privateKeyPem } = generateSigningKey();
  const aside = `${file}.${randomUUID()}.tmp`;
  writeFileSync(aside, privateKeyPem, { flag: 'wx', mode: 0o600 });
  try {
    linkSync(aside, file);
    logger.warn({ file, keyId: key.keyId }, 'no AIRLOCK_AUDIT_SIGNING_KEY: generated a development checkpoint key');
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return signingKeyFromPem(readFileSync(file, 'utf8'));
  } finally {
    unlinkSync(aside);
  }
}
