import { deflateRawSync } from 'node:zlib';
import { checkFile } from '../file.checker';
import { CHUNK_SIZES, chunked, utf8 } from '../testing/byte-source.fixture';
import { buildZip } from '../testing/zip.builder';
import { carriesZipArchive } from './polyglot.detector';

const PDF = utf8('%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n');
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(64).fill(0)]);
const hidden = buildZip([{ name: 'hidden.csv', data: utf8('patient_id,postcode\nP1,SW1A 1AA\n'), method: 'deflate' }], { deflate: (d) => deflateRawSync(d) });
const join = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('polyglot files: a document or image that is also a zip archive', () => {
  it.each(CHUNK_SIZES)('fails a PDF with a zip archive appended (chunks: %s)', async (_label, size) => {
    const result = await checkFile('report.pdf', chunked(join(PDF, hidden), size));
    expect(result.verdict).toBe('fail');
    expect(result.findings).toContainEqual(expect.objectContaining({ rule: 'archive', verdict: 'fail', message: expect.stringContaining('polyglot') }));
  });

  it('fails an image with a zip archive appended', async () => {
    const result = await checkFile('figure.png', chunked(join(PNG, hidden)));
    expect(result.findings).toContainEqual(expect.objectContaining({ rule: 'archive', verdict: 'fail' }));
  });

  it('leaves a plain PDF and a plain image at review', async () => {
    expect((await checkFile('report.pdf', chunked(PDF))).findings.map((f) => [f.rule, f.verdict])).toEqual([['file-type', 'review']]);
    expect((await checkFile('figure.png', chunked(PNG))).findings.map((f) => [f.rule, f.verdict])).toEqual([['file-type', 'review']]);
  });

  it('needs both a member and the end of an archive, not four bytes that happen to match', async () => {
    const stray = join(PDF, utf8('stream\nPK\u0003\u0004 inside a compressed stream\nendstream\n%%EOF\n'));
    expect((await checkFile('report.pdf', chunked(stray))).verdict).toBe('review');
  });
});

describe('carriesZipArchive', () => {
  it('finds a member far from the end record, in a large file read in small chunks', async () => {
    const filler = new Uint8Array(3 << 20).fill(0x20);
    const bytes = new Uint8Array(PDF.length + hidden.length + filler.length);
    bytes.set(PDF);
    bytes.set(filler, PDF.length);
    bytes.set(hidden, PDF.length + filler.length);
    expect(await carriesZipArchive(chunked(bytes, 1000))).toBe(true);
  });

  it('does not find an end record that lies before the last 64 KiB', async () => {
    expect(await carriesZipArchive(chunked(join(hidden, new Uint8Array(70_000)), 4096))).toBe(false);
  });
});

it('stops at its limit and says it did not look further', async () => {
  expect(await carriesZipArchive(chunked(new Uint8Array(10_000), 1000), 4096)).toBeNull();
});
