import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateSigningKey, publicKeyPem, signCheckpoint, verifyStoredChain, type SigningKey } from '@airlock/access-log';
import { ConfigError } from '@airlock/config';
import { Topics } from '@airlock/contracts';
import { createLogger } from '@airlock/http';
import { realStack } from '@airlock/testing';
import { anEnvelope, freshAuditSchema, type AuditSchema } from './audit.test-kit';
import { Checkpointer } from './checkpointer';
import { loadRetiredKeys } from './signing-key';

// Rotating the checkpoint key (docs/operations.md): checkpoints name their key, the new key signs
// from the rotation on, the retired key's checkpoints keep verifying, and a key nobody configured fails.
jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'packages', 'airlock-audit', 'bin', 'airlock-audit.js');
const run = promisify(execFile);
const logger = createLogger('audit', 'silent');

let audit: AuditSchema;
let keysDir: string;
let oldKey: SigningKey;
let newKey: SigningKey;

async function append(count: number): Promise<void> {
  await audit
    .repository()
    .appendBatch(Array.from({ length: count }, () => ({ topic: Topics.requestEvents, envelope: anEnvelope(), recordedAt: new Date().toISOString() })));
}

const checkpointer = (key: SigningKey, retired: SigningKey[] = []) =>
  new Checkpointer(audit.repository(), key, { intervalMs: 3_600_000, everyRecords: 1_000_000, retiredKeys: retired.map((k) => k.publicKey), logger });

function pemFile(name: string, key: SigningKey): string {
  const file = path.join(keysDir, name);
  writeFileSync(file, publicKeyPem(key));
  return file;
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [CLI, 'verify', '--schema', audit.schema, ...args], {
    cwd: ROOT,
    env: { ...process.env, AIRLOCK_DATABASE_URL: realStack().databaseUrl },
  })
    .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }))
    .catch((e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
}

beforeEach(async () => {
  audit = await freshAuditSchema('audit_rotation');
  keysDir = mkdtempSync(path.join(tmpdir(), 'airlock-rotation-'));
  oldKey = generateSigningKey().key;
  newKey = generateSigningKey().key;
  // Before the rotation: five records, signed by the old key.
  await append(5);
  expect(await checkpointer(oldKey).checkpointNow()).toMatchObject({ position: 5, keyId: oldKey.keyId });
  // The rotation: the service restarts with the new key and the old one's public half as retired.
  await append(5);
});

afterEach(async () => {
  await audit?.dispose();
  rmSync(keysDir, { recursive: true, force: true });
});

describe('rotating the audit checkpoint key', () => {
  it('signs with the new key from the rotation on, and the chain verifies across it', async () => {
    const rotated = checkpointer(newKey, [oldKey]);
    expect(await rotated.checkpointNow()).toMatchObject({ position: 10, keyId: newKey.keyId });
    const checkpoints = await audit.repository().listCheckpoints(10);
    expect(checkpoints.map((c) => [c.position, c.keyId])).toEqual([
      [10, newKey.keyId],
      [5, oldKey.keyId],
    ]);
    const verdict = await verifyStoredChain(audit.writer, { trustedKeys: rotated.trustedKeys });
    expect(verdict).toMatchObject({ valid: true, count: 10, checkpointsMatched: 2, checkpoints: { checked: 2, unverified: [] } });
  });

  it('fails verification of a checkpoint signed by a key that is neither current nor retired', async () => {
    const rotated = checkpointer(newKey, [oldKey]);
    await rotated.checkpointNow();
    await append(2);
    const stranger = generateSigningKey().key;
    const head = await audit.repository().head();
    await audit
      .repository()
      .saveCheckpoint(signCheckpoint(stranger, { position: head.position, headHash: head.recordHash }, new Date().toISOString()), publicKeyPem(stranger));
    const verdict = await verifyStoredChain(audit.writer, { trustedKeys: rotated.trustedKeys });
    expect(verdict).toMatchObject({
      valid: false,
      firstInvalidPosition: 12,
      kind: 'altered',
      checkpoints: { unverified: [{ position: 12, keyId: stranger.keyId, reason: 'unknown-key' }] },
    });
    expect((verdict as { detail: string }).detail).toContain(stranger.keyId);
  });

  it('fails verification of the old checkpoints when the old key is not configured as retired', async () => {
    await checkpointer(newKey, [oldKey]).checkpointNow();
    const verdict = await verifyStoredChain(audit.writer, { trustedKeys: checkpointer(newKey).trustedKeys });
    expect(verdict).toMatchObject({ valid: false, firstInvalidPosition: 5, checkpoints: { unverified: [{ position: 5, keyId: oldKey.keyId }] } });
  });

  it('is verified by the airlock-audit CLI given the current and the retired public keys, and refused given only the new one', async () => {
    await checkpointer(newKey, [oldKey]).checkpointNow();
    const both = await cli(['--public-key', pemFile('new.pem', newKey), '--public-key', pemFile('old.pem', oldKey)]);
    expect(both.code).toBe(0);
    expect(JSON.parse(both.stdout)).toMatchObject({ valid: true, count: 10, checkpointsMatched: 2 });
    const onlyNew = await cli(['--public-key', pemFile('new.pem', newKey)]);
    expect(onlyNew.code).toBe(1);
    expect(JSON.parse(onlyNew.stdout)).toMatchObject({ valid: false, firstInvalidPosition: 5 });
    expect(onlyNew.stderr).toContain(oldKey.keyId);
  });
});

describe('the public keys a verifier is given', () => {
  it('lists the current key first, then each retired one, each with the id its checkpoints name', () => {
    const keys = checkpointer(newKey, [oldKey]).publicKeys;
    expect(keys).toEqual([
      { keyId: newKey.keyId, status: 'current', pem: publicKeyPem(newKey) },
      { keyId: oldKey.keyId, status: 'retired', pem: publicKeyPem(oldKey) },
    ]);
    expect(checkpointer(newKey).publicKeys.map((k) => k.status)).toEqual(['current']);
  });
});

describe('retired public keys in the configuration', () => {
  it('reads every PEM block of the variable and of the file', () => {
    const [a, b, c] = [generateSigningKey().key, generateSigningKey().key, generateSigningKey().key];
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'airlock-retired-')), 'retired.pem');
    writeFileSync(file, `${publicKeyPem(b)}\n${publicKeyPem(c)}`);
    const keys = loadRetiredKeys({ pem: publicKeyPem(a), file });
    expect(keys.map((k) => k.export({ type: 'spki', format: 'pem' }).toString())).toEqual([a, b, c].map((k) => publicKeyPem(k)));
    rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('refuses text that holds no public key', () => {
    expect(() => loadRetiredKeys({ pem: 'not a key' })).toThrow(ConfigError);
  });
});
