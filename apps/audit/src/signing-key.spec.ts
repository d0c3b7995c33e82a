import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { generateSigningKey } from '@airlock/access-log';
import { ConfigError } from '@airlock/config';
import { loadSigningKey } from './signing-key';

// Checkpoints are only worth something if their key is the operator's: a key made up on the spot
// is for development on embedded defaults, kept in the data dir, never anywhere else.
const logger = pino({ level: 'silent' });
const dataDir = () => mkdtempSync(path.join(tmpdir(), 'airlock-signing-key-'));

describe('the audit checkpoint signing key', () => {
  it('is read from AIRLOCK_AUDIT_SIGNING_KEY or AIRLOCK_AUDIT_SIGNING_KEY_FILE', () => {
    const { key, privateKeyPem } = generateSigningKey();
    const file = path.join(dataDir(), 'key.pem');
    writeFileSync(file, privateKeyPem);
    expect(loadSigningKey({ pem: privateKeyPem }, { dataDir: dataDir(), developmentKey: false }, logger).keyId).toBe(key.keyId);
    expect(loadSigningKey({ file }, { dataDir: dataDir(), developmentKey: false }, logger).keyId).toBe(key.keyId);
  });

  it('is required without the development opt-in: nothing is generated or written', () => {
    const dir = dataDir();
    expect(() => loadSigningKey({}, { dataDir: dir, developmentKey: false }, logger)).toThrow(ConfigError);
    expect(() => loadSigningKey({}, { dataDir: dir, developmentKey: false }, logger)).toThrow(/AIRLOCK_AUDIT_SIGNING_KEY.*AIRLOCK_AUDIT_SIGNING_KEY_FILE/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is generated once under the data dir with the development opt-in, and said so loudly', () => {
    const dir = dataDir();
    const lines: { level: number; msg: string; file: string }[] = [];
    const loud = pino(
      { level: 'warn' },
      {
        write: (line: string) => {
          lines.push(JSON.parse(line));
        },
      },
    );
    const first = loadSigningKey({}, { dataDir: dir, developmentKey: true }, loud);
    const again = loadSigningKey({}, { dataDir: dir, developmentKey: true }, loud);
    expect(again.keyId).toBe(first.keyId);
    expect(readdirSync(dir)).toEqual(['audit-signing-key.pem']);
    expect(lines.map((l) => l.level)).toEqual([40, 40]);
    expect(lines[0]).toMatchObject({ file: path.join(dir, 'audit-signing-key.pem'), msg: expect.stringMatching(/generated a development checkpoint key/) });
    expect(lines[1].msg).toMatch(/development checkpoint key/);
  });
});
