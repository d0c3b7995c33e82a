import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CliError,
  EXIT,
  crossedTenth,
  decodeJwtClaims,
  etaSeconds,
  exitCodeForStatus,
  firstDuplicate,
  formatBytes,
  formatDuration,
  formatRate,
  partRanges,
  partsToSend,
  rolesOf,
  uploadName,
  watchEnds,
} from './cli-core';
import { PlainProgress } from './progress';
import { collectPushFiles } from './push';
import { runCli, type CliIo } from './cli';

const MiB = 1024 * 1024;

describe('part plans', () => {
  it('cuts a file into parts of the part size, the last one shorter', () => {
    expect(partRanges(2 * 5 * MiB + 7, 5 * MiB)).toEqual([
      { partNumber: 1, start: 0, end: 5 * MiB },
      { partNumber: 2, start: 5 * MiB, end: 10 * MiB },
      { partNumber: 3, start: 10 * MiB, end: 10 * MiB + 7 },
    ]);
    expect(partRanges(5 * MiB, 5 * MiB)).toHaveLength(1);
    expect(() => partRanges(10, 0)).toThrow(RangeError);
  });

  it('resumes with only the parts the server did not confirm at their full length', () => {
    const size = 4 * 5 * MiB + 1;
    const confirmed = [
      { partNumber: 1, size: 5 * MiB },
      { partNumber: 3, size: 5 * MiB },
      { partNumber: 4, size: 123 }, // not a part of ours: sent again
    ];
    expect(partsToSend(size, 5 * MiB, confirmed).map((r) => r.partNumber)).toEqual([2, 4, 5]);
    expect(partsToSend(size, 5 * MiB, [])).toHaveLength(5);
    expect(
      partsToSend(
        size,
        5 * MiB,
        partRanges(size, 5 * MiB).map((r) => ({ partNumber: r.partNumber, size: r.end - r.start })),
      ),
    ).toEqual([]);
  });
});

describe('names in the request', () => {
  it('flattens a sub-folder path with __ (the server takes no slashes)', () => {
    expect(uploadName('tables/ward.csv')).toBe('tables__ward.csv');
    expect(uploadName('a\\b/c.txt')).toBe('a__b__c.txt');
    expect(uploadName('plain.csv')).toBe('plain.csv');
    expect(firstDuplicate(['a', 'b', 'a'])).toBe('a');
    expect(firstDuplicate(['a', 'b'])).toBeUndefined();
  });

  it("names a folder's files relative to it, and refuses two files that would share a name, or an empty one", async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'airlock-cli-'));
    mkdirSync(path.join(root, 'out', 'tables'), { recursive: true });
    writeFileSync(path.join(root, 'out', 'a.csv'), 'x\n1\n');
    writeFileSync(path.join(root, 'out', 'tables', 'b.csv'), 'x\n2\n');
    writeFileSync(path.join(root, 'a.csv'), 'x\n3\n');
    writeFileSync(path.join(root, 'empty.csv'), '');
    expect((await collectPushFiles(['out'], root)).map((f) => f.name)).toEqual(['a.csv', 'tables__b.csv']);
    await expect(collectPushFiles(['out', 'a.csv'], root)).rejects.toMatchObject({ exitCode: EXIT.usage, message: expect.stringContaining('a.csv') });
    await expect(collectPushFiles(['empty.csv'], root)).rejects.toMatchObject({ exitCode: EXIT.usage });
    await expect(collectPushFiles(['missing'], root)).rejects.toMatchObject({ exitCode: EXIT.usage });
  });
});

describe('exit codes', () => {
  it.each([
    [401, undefined, EXIT.auth],
    [403, 'NOT_AUTHOR', EXIT.refused],
    [404, 'REQUEST_NOT_FOUND', EXIT.notFound],
    [409, 'WRONG_STATE', EXIT.refused],
    [422, 'HASH_MISMATCH', EXIT.verification],
    [503, 'STORAGE_UNAVAILABLE', EXIT.unavailable],
    [429, undefined, EXIT.unavailable],
  ])('HTTP %s %s → %s', (status, code, exit) => {
    expect(exitCodeForStatus(status, code)).toBe(exit);
  });
});

describe('formatting', () => {
  it('shows bytes, rates and times as people read them', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(2 * 1024 ** 3)).toBe('2.00 GiB');
    expect(formatBytes(150 * MiB)).toBe('150 MiB');
    expect(formatRate(10 * MiB, 2000)).toBe('5.00 MiB/s');
    expect(formatRate(1, 0)).toBe('-');
    expect(formatDuration(59)).toBe('59s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3 * 3600 + 60 * 7)).toBe('3h07m');
    expect(formatDuration(NaN)).toBe('-');
    expect(etaSeconds(25, 100, 1000)).toBe(3);
    expect(etaSeconds(0, 100, 1000)).toBeUndefined();
  });

  it('prints a plain line when a file crosses a tenth, not for every part', () => {
    expect(crossedTenth(0, 9, 100)).toBe(false);
    expect(crossedTenth(9, 10, 100)).toBe(true);
    const lines: string[] = [];
    let now = 0;
    const progress = new PlainProgress(
      100 * MiB,
      (t) => lines.push(t),
      () => now,
    );
    progress.file('big.bin', 100 * MiB, 20 * MiB);
    for (let i = 0; i < 16; i++) {
      now += 1000;
      progress.bytes('big.bin', 5 * MiB);
    }
    progress.done('big.bin', 'done');
    expect(lines[0]).toBe('big.bin: resuming, 20.0 MiB of 100 MiB already confirmed\n');
    const steps = lines.filter((l) => /^big\.bin: \d+%/.test(l));
    expect(steps).toHaveLength(7); // 30% ... 90%
    expect(steps[0]).toMatch(/^big\.bin: 30% 30\.0 MiB\/100 MiB 5\.00 MiB\/s 14s left\n$/);
    expect(lines.at(-1)).toMatch(/\ntotal: 100% 100 MiB\/100 MiB /);
  });
});

describe('tokens', () => {
  const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
  it('reads who a token names, with roles from roles and realm_access', () => {
    const claims = decodeJwtClaims(jwt({ sub: 'alice', roles: ['researcher'], realm_access: { roles: ['output_checker', 'researcher'] } }));
    expect(claims['sub']).toBe('alice');
    expect(rolesOf(claims)).toEqual(['researcher', 'output_checker']);
    expect(() => decodeJwtClaims('not-a-jwt')).toThrow(CliError);
    expect(() => decodeJwtClaims('a.!!!.c')).toThrow(CliError);
  });
});

describe('watch', () => {
  it('ends at a final state, or when the request comes back to its author', () => {
    expect(watchEnds('released', 'submitted')).toBe(true);
    expect(watchEnds('rejected', 'awaiting_review')).toBe(true);
    expect(watchEnds('awaiting_review', 'submitted')).toBe(false);
    expect(watchEnds('draft', 'draft')).toBe(false);
    expect(watchEnds('changes_requested', 'awaiting_review')).toBe(true);
    expect(watchEnds('changes_requested', 'changes_requested')).toBe(false);
  });
});

describe('the command line', () => {
  const io = (env: Record<string, string> = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const cli: CliIo = {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: { AIRLOCK_CONFIG_DIR: mkdtempSync(path.join(tmpdir(), 'airlock-cli-config-')), ...env },
      cwd: tmpdir(),
      isTty: false,
      stderr: process.stderr,
      signal: new AbortController().signal,
    };
    return { cli, out, err };
  };

  it('prints help with examples and the exit codes, exit 0', async () => {
    const { cli, out } = io();
    expect(await runCli(['--help'], cli)).toBe(EXIT.ok);
    expect(out.join('')).toMatch(/Examples:[\s\S]*airlock push[\s\S]*Exit codes:/);
  });

  it('answers an unknown command or a missing argument with exit 2', async () => {
    expect(await runCli(['fly'], io().cli)).toBe(EXIT.usage);
    expect(await runCli(['push'], io().cli)).toBe(EXIT.usage);
    expect(await runCli(['push', 'r1', 'x', '--parallel', '0'], io().cli)).toBe(EXIT.usage);
  });

  it('refuses to act without a token (exit 3), in JSON with --json', async () => {
    const { cli, out } = io({ AIRLOCK_URL: 'http://127.0.0.1:9' });
    expect(await runCli(['submit', 'r1', '--json'], cli)).toBe(EXIT.auth);
    expect(JSON.parse(out.join(''))).toEqual({ error: expect.objectContaining({ exitCode: EXIT.auth, message: expect.stringContaining('airlock login') }) });
  });

  it('says why login cannot happen with neither an issuer offering the device flow nor AIRLOCK_TOKEN, and which it used', async () => {
    const none = io({ AIRLOCK_URL: 'http://127.0.0.1:9' });
    expect(await runCli(['login'], none.cli)).toBe(EXIT.auth);
    expect(none.err.join('')).toMatch(/no AIRLOCK_TOKEN/);
    const token = `e30.${Buffer.from(JSON.stringify({ sub: 'alice', roles: ['researcher'], exp: 2_000_000_000 })).toString('base64url')}.sig`;
    const env = io({ AIRLOCK_URL: 'http://127.0.0.1:9', AIRLOCK_TOKEN: token });
    expect(await runCli(['login', '--json'], env.cli)).toBe(EXIT.ok);
    expect(JSON.parse(env.out.join(''))).toMatchObject({ loggedIn: true, method: 'environment', userId: 'alice', roles: ['researcher'] });
  });

  it('reports an unreachable server as unavailable (exit 7)', async () => {
    const token = `e30.${Buffer.from(JSON.stringify({ sub: 'alice' })).toString('base64url')}.sig`;
    const { cli, err } = io({ AIRLOCK_URL: 'http://127.0.0.1:9', AIRLOCK_TOKEN: token });
    expect(await runCli(['submit', 'r1'], cli)).toBe(EXIT.unavailable);
    expect(err.join('')).toMatch(/Cannot reach/);
  });
});
