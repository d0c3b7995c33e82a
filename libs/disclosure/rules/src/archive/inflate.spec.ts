import { randomBytes } from 'node:crypto';
import { constants, deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { ArchiveError } from './archive.error';
import { RawInflater } from './inflate';

const inflate = (compressed: Uint8Array, cut = compressed.length || 1): Uint8Array => {
  const inflater = new RawInflater();
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < compressed.length || at === 0; at += cut) {
    const end = Math.min(compressed.length, at + cut);
    pieces.push(...inflater.push(compressed.subarray(at, end), end >= compressed.length));
    if (end >= compressed.length) break;
  }
  return Buffer.concat(pieces);
};

const text = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => `row ${i % 97},${(i * 7) % 13},x\n`).join(''));

describe('RawInflater (RFC 1951)', () => {
  it.each([
    ['stored blocks', text(200_000), constants.Z_NO_COMPRESSION],
    ['fixed and dynamic Huffman blocks', text(200_000), constants.Z_BEST_COMPRESSION],
    ['incompressible bytes', randomBytes(300_000), constants.Z_DEFAULT_COMPRESSION],
    ['long runs (distance 1 copies)', Buffer.alloc(500_000, 0x30), constants.Z_BEST_COMPRESSION],
    ['nothing', Buffer.alloc(0), constants.Z_DEFAULT_COMPRESSION],
  ])('inflates %s exactly, in any chunking', (_name, data, level) => {
    const compressed = deflateRawSync(data, { level });
    for (const cut of [compressed.length || 1, 1, 7, 4096]) expect(Buffer.compare(inflate(compressed, cut), data)).toBe(0);
  });

  it('matches zlib on arbitrary data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 600 }), (data, level, cut) => {
        const compressed = deflateRawSync(data, { level });
        expect(Buffer.compare(inflate(compressed, cut), Buffer.from(data))).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('finds the end of the stream and hands back the bytes that follow it', () => {
    const compressed = deflateRawSync(text(5000));
    const trailer = Buffer.from('PK\u0007\u0008 and the next entry');
    const inflater = new RawInflater();
    const input = Buffer.concat([compressed, trailer, Buffer.alloc(2000)]);
    const out = Buffer.concat([...inflater.push(input.subarray(0, 100)), ...inflater.push(input.subarray(100))]);
    expect(inflater.finished).toBe(true);
    expect(out.equals(text(5000))).toBe(true);
    expect(inflater.bytesIn).toBe(compressed.length);
    expect(Buffer.from(inflater.rest()).subarray(0, trailer.length).equals(trailer)).toBe(true);
  });

  it('yields pieces of about 64 KiB, so a consumer can stop a bomb early', () => {
    const bomb = deflateRawSync(Buffer.alloc(50_000_000), { level: 9 });
    const inflater = new RawInflater();
    let produced = 0;
    for (const piece of inflater.push(bomb, true)) {
      expect(piece.length).toBeLessThanOrEqual(64 * 1024 + 258);
      produced += piece.length;
      if (produced > 1_000_000) break;
    }
    expect(produced).toBeLessThan(1_100_000);
  });

  it.each([
    ['a truncated stream', deflateRawSync(text(10_000)).subarray(0, 500), 'truncated'],
    ['an invalid block type', Uint8Array.from([0x07, 0, 0]), 'corrupt'],
    ['a bad stored length check', Uint8Array.from([0x01, 0x05, 0x00, 0x00, 0x00]), 'corrupt'],
    ['junk', Uint8Array.from(randomBytes(64).map((b, i) => (i === 0 ? (b & 0xf8) | 0x05 : b))), 'corrupt'],
  ])('rejects %s', (_name, bytes, code) => {
    let error: unknown;
    try {
      inflate(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ArchiveError);
    expect((error as ArchiveError).code).toBe(code);
  });
});
