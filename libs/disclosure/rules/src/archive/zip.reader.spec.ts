import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { DEFAULT_POLICY } from '../disclosure.policy';
import { chunked, CHUNK_SIZES, utf8 } from '../testing/byte-source.fixture';
import { buildZip, type ZipFixtureEntry } from '../testing/zip.builder';
import { ArchiveError, type ArchiveErrorCode } from './archive.error';
import { ArchiveBudget } from './archive.limits';
import { readZipEntries, type ZipTrailer } from './zip.reader';

const FIXTURES = join(__dirname, '../testing/fixtures');
const deflate = (data: Uint8Array): Uint8Array => deflateRawSync(data);

type Read = { name: string; text: string };

const readAll = async (bytes: Uint8Array, size?: number, limits = DEFAULT_POLICY, trailer?: ZipTrailer): Promise<Read[]> => {
  const out: Read[] = [];
  for await (const entry of readZipEntries(chunked(bytes, size), new ArchiveBudget(limits), trailer)) {
    const pieces: Uint8Array[] = [];
    for await (const piece of entry.content) pieces.push(piece);
    out.push({ name: entry.name, text: Buffer.concat(pieces).toString('utf8') });
  }
  return out;
};

const failure = async (bytes: Uint8Array, limits = DEFAULT_POLICY): Promise<ArchiveError> => {
  const error = await readAll(bytes, 4096, limits).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArchiveError);
  return error as ArchiveError;
};

const TABLE = 'sex,smokers\nF,9\nM,45\n';

const flip = (bytes: Uint8Array, at: number): Uint8Array => bytes.map((b, i) => (i === at ? b ^ 0xff : b));

describe.each(CHUNK_SIZES)('zip reader (%s chunks)', (_label, size) => {
  it('reads stored and deflated entries written by Python zipfile', async () => {
    expect(await readAll(readFileSync(join(FIXTURES, 'python-zipfile.zip')), size)).toEqual([
      { name: 'tables/smoking.csv', text: 'sex,smokers,non-smokers\nF,9,120\nM,45,130\n' },
      { name: 'notes.txt', text: 'Smoking by sex, 2019 survey.\n' },
    ]);
  });

  it('reads entries whose sizes follow the data (data descriptors, as streaming writers produce)', async () => {
    const entries = await readAll(readFileSync(join(FIXTURES, 'python-streamed.zip')), size === 1 ? 97 : size);
    expect(entries.map((e) => [e.name, e.text.length])).toEqual([
      ['smoking.csv', 41],
      ['big.csv', 248_890],
    ]);
  });
});

describe('zip reader: entries left unread', () => {
  it('still verifies and skips entries whose content is not read', async () => {
    const zip = buildZip(
      [
        { name: 'a.csv', data: utf8(TABLE), method: 'deflate', dataDescriptor: true },
        { name: 'b.csv', data: utf8(TABLE), method: 'stored' },
      ],
      { deflate },
    );
    const names: string[] = [];
    for await (const entry of readZipEntries(chunked(zip, 5), new ArchiveBudget(DEFAULT_POLICY))) names.push(entry.name);
    expect(names).toEqual(['a.csv', 'b.csv']);
  });

  it('counts comments, which are free text outside every member', async () => {
    const trailer = { entries: 0, comments: 0 };
    await readAll(buildZip([{ name: 'a.csv', data: utf8(TABLE) }], { comment: 'the raw extract is at ...' }), undefined, DEFAULT_POLICY, trailer);
    expect(trailer).toEqual({ entries: 1, comments: 1 });
  });
});

describe('zip reader: hostile and broken archives', () => {
  const one = (entry: Partial<ZipFixtureEntry> = {}): ZipFixtureEntry => ({ name: 'a.csv', data: utf8(TABLE), method: 'deflate', ...entry });

  it.each<[string, () => Uint8Array, ArchiveErrorCode]>([
    ['an archive encrypted by zip -P', () => readFileSync(join(FIXTURES, 'zip-encrypted.zip')), 'encrypted'],
    ['an entry flagged encrypted', () => buildZip([one({ flags: 0x0001 })], { deflate }), 'encrypted'],
    ['a central directory naming another file', () => buildZip([one({ central: { name: 'other.csv' } })], { deflate }), 'inconsistent'],
    ['a central directory with another size', () => buildZip([one({ central: { size: 5 } })], { deflate }), 'inconsistent'],
    ['overlapping entries (one local entry listed twice)', () => buildZip([one()], { deflate, duplicateCentral: [0] }), 'inconsistent'],
    ['an entry missing from the central directory', () => buildZip([one(), one({ name: 'hidden.csv', unlisted: true })], { deflate }), 'inconsistent'],
    ['bytes after the end of the archive', () => buildZip([one()], { deflate, trailing: utf8('id,email\n1,a@b.org\n') }), 'inconsistent'],
    ['a CRC that does not match the content', () => flip(buildZip([one()], { deflate }), 14), 'corrupt'],
    ['a truncated archive', () => buildZip([one()], { deflate }).subarray(0, 40), 'truncated'],
    ['a stored entry whose size comes after it', () => buildZip([one({ method: 'stored', dataDescriptor: true })]), 'unsupported'],
  ])('refuses %s', async (_name, build, code) => {
    expect((await failure(build())).code).toBe(code);
  });

  it('stops a zip bomb by its compression ratio before inflating it', async () => {
    const bomb = buildZip([one({ name: 'zeros.csv', data: new Uint8Array(50 << 20) })], { deflate });
    expect(bomb.length).toBeLessThan(100_000);
    const error = await failure(bomb);
    expect(error.code).toBe('ratio');
    expect(error.verdict).toBe('fail');
  });

  it('stops an archive that expands past the total size limit, even when its headers understate it', async () => {
    const limits = { ...DEFAULT_POLICY, archiveMaxUncompressedBytes: 1000, archiveMaxRatio: 1e9 };
    expect((await failure(buildZip([one({ data: new Uint8Array(5000).fill(65), dataDescriptor: true })], { deflate }), limits)).code).toBe('too-large');
    expect((await failure(buildZip([one({ data: new Uint8Array(5000).fill(65) })], { deflate }), limits)).code).toBe('too-large');
  });

  it('stops at the entry count limit', async () => {
    const many = buildZip(
      Array.from({ length: 11 }, (_, i) => one({ name: `t${i}.csv` })),
      { deflate },
    );
    expect((await failure(many, { ...DEFAULT_POLICY, archiveMaxEntries: 10 })).code).toBe('too-many-entries');
  });
});
