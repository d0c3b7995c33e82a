import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { generateSigningKey, publicKeyFromPem, signingKeyFromPem, type SigningKey } from '@airlock/access-log';
import { ConfigError } from '@airlock/config';
import type { Logger } from 'pino';

const DEV_KEY_FILE = 'audit-signing-key.pem';

export type SigningKeySource = { pem?: string; file?: string };
/** `developmentKey`: only with the development opt-in on embedded defaults (AIRLOCK_DEV_IDENTITY=true). */
export type SigningKeyPolicy = { dataDir: string; developmentKey: boolean };

/**
 * The checkpoint signing key: from configuration, which is required wherever checkpoints must prove
 * something. Only with the development opt-in is a development key kept in the data dir, created
 * once: written aside, then linked into place, which fails if another process got there first, so
 * services booting together end up with one complete key.
 */
export function loadSigningKey(source: SigningKeySource, policy: SigningKeyPolicy, logger: Logger): SigningKey {
  if (source.pem) return signingKeyFromPem(source.pem);
  if (source.file) return signingKeyFromPem(readFileSync(source.file, 'utf8'));
  if (!policy.developmentKey) {
    throw new ConfigError(
      'Invalid configuration: no audit checkpoint signing key: set AIRLOCK_AUDIT_SIGNING_KEY (an Ed25519 private key, PKCS#8 PEM) or AIRLOCK_AUDIT_SIGNING_KEY_FILE; ' +
        'a development key is generated only with AIRLOCK_DEV_IDENTITY=true on embedded defaults',
    );
  }
  return developmentKey(path.resolve(policy.dataDir, DEV_KEY_FILE), logger);
}

function developmentKey(file: string, logger: Logger): SigningKey {
  const warning = 'checkpoints signed with it prove nothing beyond this machine; set AIRLOCK_AUDIT_SIGNING_KEY(_FILE) for anything real';
  try {
    const key = signingKeyFromPem(readFileSync(file, 'utf8'));
    logger.warn({ file, keyId: key.keyId }, `using the development checkpoint key in the data dir: ${warning}`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const { key, privateKeyPem } = generateSigningKey();
  const aside = `${file}.${randomUUID()}.tmp`;
  writeFileSync(aside, privateKeyPem, { flag: 'wx', mode: 0o600 });
  try {
    linkSync(aside, file);
    logger.warn({ file, keyId: key.keyId }, `no AIRLOCK_AUDIT_SIGNING_KEY: generated a development checkpoint key in the data dir: ${warning}`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return signingKeyFromPem(readFileSync(file, 'utf8'));
  } finally {
    unlinkSync(aside);
  }
}

const PEM_BLOCK = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g;

/**
 * The public keys of retired checkpoint keys (every PEM block of the variable and of the file): their
 * checkpoints keep verifying after a rotation. Text that holds no key at all is refused, so a typo
 * cannot quietly leave old checkpoints unverifiable.
 */
export function loadRetiredKeys(source: SigningKeySource): KeyObject[] {
  const texts = [source.pem, source.file ? readFileSync(source.file, 'utf8') : undefined].filter((text): text is string => Boolean(text?.trim()));
  return texts.flatMap((text) => {
    const blocks = text.match(PEM_BLOCK) ?? [];
    if (blocks.length === 0)
      throw new ConfigError('Invalid configuration: AIRLOCK_AUDIT_RETIRED_PUBLIC_KEYS(_FILE) holds no PEM public key (-----BEGIN PUBLIC KEY-----)');
    return blocks.map((block) => publicKeyFromPem(block));
  });
}
