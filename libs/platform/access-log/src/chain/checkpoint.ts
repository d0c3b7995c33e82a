import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { CHAIN_VERSION } from './audit-chain';
import { canonicalJson } from './canonical-json';

// A checkpoint signs the chain head with Ed25519, so anyone holding the public key can check an
// export offline, and a chain recomputed after an edit no longer ends in a signed hash.
export type Checkpoint = {
  position: number;
  headHash: string;
  signedAt: string;
  keyId: string;
  algorithm: 'Ed25519';
  /** Base64 Ed25519 signature of `checkpointMessage`. */
  signature: string;
};

export type SigningKey = { privateKey: KeyObject; publicKey: KeyObject; keyId: string };

/** The exact bytes signed: canonical JSON, bound to this chain format. */
export function checkpointMessage(c: Pick<Checkpoint, 'position' | 'headHash' | 'signedAt' | 'keyId'>): Buffer {
  return Buffer.from(canonicalJson({ chain: CHAIN_VERSION, position: c.position, headHash: c.headHash, signedAt: c.signedAt, keyId: c.keyId }));
}

/** First 16 hex digits of the SHA-256 of the public key (SPKI DER): names the key in every checkpoint. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export function signingKeyFromPem(privateKeyPem: string): SigningKey {
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`audit signing key must be Ed25519, got ${privateKey.asymmetricKeyType}`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

export function generateSigningKey(): { key: SigningKey; privateKeyPem: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { key: signingKeyFromPem(privateKeyPem), privateKeyPem };
}

export function publicKeyPem(key: Pick<SigningKey, 'publicKey'>): string {
  return key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

export function publicKeyFromPem(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`public key must be Ed25519, got ${key.asymmetricKeyType}`);
  return key;
}

export function signCheckpoint(key: SigningKey, head: { position: number; headHash: string }, signedAt: string): Checkpoint {
  const unsigned = { position: head.position, headHash: head.headHash, signedAt, keyId: key.keyId };
  return { ...unsigned, algorithm: 'Ed25519', signature: sign(null, checkpointMessage(unsigned), key.privateKey).toString('base64') };
}

export type CheckpointCheck = { valid: true } | { valid: false; reason: 'unknown-key' | 'bad-signature' | 'malformed' };

export function verifyCheckpoint(publicKey: KeyObject, checkpoint: Checkpoint): CheckpointCheck {
  if (!isCheckpoint(checkpoint)) return { valid: false, reason: 'malformed' };
  if (checkpoint.keyId !== keyIdOf(publicKey)) return { valid: false, reason: 'unknown-key' };
  const ok = verify(null, checkpointMessage(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'));
  return ok ? { valid: true } : { valid: false, reason: 'bad-signature' };
}

export function isCheckpoint(value: unknown): value is Checkpoint {
  const c = value as Partial<Checkpoint> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    Number.isSafeInteger(c.position) &&
    typeof c.headHash === 'string' &&
    /^[0-9a-f]{64}$/.test(c.headHash) &&
    typeof c.signedAt === 'string' &&
    typeof c.keyId === 'string' &&
    c.algorithm === 'Ed25519' &&
    typeof c.signature === 'string'
  );
}
