import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { DEFAULT_POLICY } from '../disclosure.policy';
import type { FileCheckResult } from '../disclosure.types';
import { checkFile } from '../file.checker';
import { chunked, utf8 } from '../testing/byte-source.fixture';
import { buildZip } from '../testing/zip.builder';

const FIXTURES = join(__dirname, '../testing/fixtures');
const deflate = (data: Uint8Array): Uint8Array => deflateRawSync(data);
const fixture = (name: string, policy = DEFAULT_POLICY): Promise<FileCheckResult> => checkFile(name, chunked(readFileSync(join(FIXTURES, name)), 4096), policy);
const zipOf = (files: Record<string, string | Uint8Array>): Uint8Array =>
  buildZip(
    Object.entries(files).map(([name, data]) => ({ name, data: typeof data === 'string' ? utf8(data) : data, method: 'deflate' })),
    { deflate },
  );
const check = (bytes: Uint8Array, name = 'outputs.zip', policy = DEFAULT_POLICY): Promise<FileCheckResult> => checkFile(name, chunked(bytes, 1000), policy);
const summary = (result: FileCheckResult): string[] => result.findings.map((f) => `${f.rule} ${f.verdict}: ${f.message}`);

const PASSING = 'age,A,B\n18-40,25,30\n41+,40,35\n';

describe('zip archives: every member is checked', () => {
  it('names the member in each finding (Python zipfile archive)', async () => {
    const result = await fixture('python-zipfile.zip');
    expect(result).toMatchObject({ verdict: 'fail', fileType: { kind: 'zip' } });
    expect(summary(result)).toEqual([
      'threshold fail: tables/smoking.csv: 1 cell has fewer than 10 contributors',
      'class-disclosure fail: tables/smoking.csv: 1 cell has more than 0.9 of their row or column total, disclosing the attribute of nearly everyone in that category',
      'file-type review: notes.txt: Free text cannot be checked automatically; a checker must read it.',
    ]);
    expect(result.findings[0].cells).toEqual([{ row: 0, column: 0, rowLabel: 'F', columnLabel: 'smokers' }]);
  });

  it('passes an archive whose members all pass', async () => {
    expect(await check(zipOf({ 'a.csv': PASSING, 'b/c.csv': PASSING }))).toMatchObject({ verdict: 'pass', findings: [] });
  });

  it('opens archives inside archives', async () => {
    expect(summary(await fixture('zip-in-zip.zip'))[1]).toBe('threshold fail: inner.zip: inner/smoking.csv: 1 cell has fewer than 10 contributors');
  });

  it('takes the true type of members from their content, not their names', async () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
    expect(summary(await check(zipOf({ 'table.csv': png })))).toEqual([
      'file-type review: table.csv: Images (image/png) cannot be checked automatically; a checker must look at it.',
    ]);
  });

  it('fails an evidence file inside an archive: it would be released with it', async () => {
    const evidence = 'row,column,contributors,total,largest,second_largest\nNorth,A,12,1000,200,150\n';
    expect(summary(await check(zipOf({ 't.csv': PASSING, 't.evidence.csv': evidence })))).toEqual([
      expect.stringMatching(/^archive fail: t\.evidence\.csv: An evidence file .* would be released with it/),
    ]);
  });

  it('sends archive comments to review: free text outside the members', async () => {
    const bytes = buildZip([{ name: 'a.csv', data: utf8(PASSING) }], { comment: 'see the raw extract' });
    expect(summary(await check(bytes))).toEqual([
      'archive review: The archive carries comments, free text outside its members that cannot be checked automatically.',
    ]);
  });
});

describe('zip archives: limits and concealment fail with an archive finding', () => {
  it('fails an encrypted archive (zip -P)', async () => {
    expect(summary(await fixture('zip-encrypted.zip'))).toEqual([
      'archive fail: The archive is encrypted (entry "smoking.csv"), so its contents cannot be checked.',
    ]);
  });

  it('fails a zip bomb, keeping what was found before it', async () => {
    const bomb = buildZip(
      [
        { name: 'small.csv', data: utf8('sex,smokers\nF,9\n'), method: 'deflate' },
        { name: 'zeros.csv', data: new Uint8Array(20 << 20), method: 'deflate' },
      ],
      { deflate },
    );
    const result = await check(bomb);
    expect(result.verdict).toBe('fail');
    expect(summary(result)).toEqual([
      'archive fail: A member expands more than 100 times its compressed size (policy archiveMaxRatio): a zip bomb.',
      'threshold fail: small.csv: 1 cell has fewer than 10 contributors',
    ]);
  });

  it('fails archives nested deeper than the policy allows', async () => {
    const deep = zipOf({ 'l2.zip': zipOf({ 'l3.zip': zipOf({ 'a.csv': PASSING }) }) });
    expect((await check(deep)).verdict).toBe('pass');
    const result = await check(deep, 'deep.zip', { ...DEFAULT_POLICY, archiveMaxDepth: 2 });
    expect(summary(result)).toEqual(['archive fail: l2.zip: l3.zip: Archives are nested more than 2 deep (policy archiveMaxDepth).']);
  });

  it('counts entries and bytes across nested archives', async () => {
    const nested = zipOf({ 'one.zip': zipOf({ 'a.csv': PASSING, 'b.csv': PASSING }), 'c.csv': PASSING });
    const result = await check(nested, 'n.zip', { ...DEFAULT_POLICY, archiveMaxEntries: 3 });
    expect(summary(result)).toContain('archive fail: The archive holds more than 3 entries (policy archiveMaxEntries).');
  });

  it('fails bytes appended after the archive, which unzip tools ignore but would leave with it', async () => {
    const bytes = buildZip([{ name: 'a.csv', data: utf8(PASSING) }], { trailing: utf8('id,email\n1,a@b.org\n') });
    expect(summary(await check(bytes))).toEqual([expect.stringMatching(/^archive fail: Bytes follow the end of the archive/)]);
  });

  it('sends a corrupt archive to review, not to pass', async () => {
    const bytes = zipOf({ 'a.csv': PASSING });
    bytes[40] ^= 0xff; // inside the deflated data
    expect((await check(bytes)).verdict).not.toBe('pass');
  });

  it('rethrows a failure of the source itself, so the caller retries', async () => {
    const bytes = zipOf({ 'a.csv': PASSING.repeat(1000), 'b.csv': PASSING });
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 200);
      throw new Error('connection reset');
    }
    await expect(checkFile('outputs.zip', broken())).rejects.toThrow('connection reset');
  });
});
