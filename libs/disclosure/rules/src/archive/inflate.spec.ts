import { randomBytes } from 'node:crypto';
import { constants, deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { ArchiveError } from './archive.error';
import { RawInflater } from './inflate';

const collect = async (pieces: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> => {
  const out: Uint8Array[] = [];
  for await (const piece of pieces) out.push(piece);
  return out;
};

const inflate = async (compressed: Uint8Array, cut = compressed.length || 1): Promise<Uint8Array> => {
  const inflater = new RawInflater();
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < compressed.length || at === 0; at += cut) {
    const end = Math.min(compressed.length, at + cut);
    pieces.push(...(await collect(inflater.push(compressed.subarray(at, end), end >= compressed.length))));
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
  ])(
    'inflates %s exactly, in any chunking',
    async (_name, data, level) => {
      const compressed = deflateRawSync(data, { level });
      for (const cut of [compressed.length || 1, 1, 7, 4096]) {
        expect(Buffer.compare(await inflate(compressed, cut), data)).toBe(0);
      }
      // A cut of 1 is one zlib round trip per compressed byte (real inputs come in KiB pieces).
    },
    120_000,
  );

  it('matches zlib on arbitrary data', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 600 }), async (data, level, cut) => {
        const compressed = deflateRawSync(data, { level });
        expect(Buffer.compare(await inflate(compressed, cut), Buffer.from(data))).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('finds the end of the stream and hands back the bytes that follow it', async () => {
    const compressed = deflateRawSync(text(5000));
    const trailer = Buffer.from('PK\u0007\u0008 and the next entry');
    const inflater = new RawInflater();
    // Past the 16 KiB the inflater gathers before a write to zlib (see the next tests).
    const input = Buffer.concat([compressed, trailer, Buffer.alloc(20_000)]);
    const out = Buffer.concat([...(await collect(inflater.push(input.subarray(0, 100)))), ...(await collect(inflater.push(input.subarray(100))))]);
    expect(inflater.finished).toBe(true);
    expect(out.equals(text(5000))).toBe(true);
    expect(inflater.bytesIn).toBe(compressed.length);
    expect(Buffer.from(inflater.rest()).subarray(0, trailer.length).equals(trailer)).toBe(true);
  });

  it('finds the end of the stream when it ends exactly where a piece ends', async () => {
    const data = randomBytes(40_000);
    const compressed = deflateRawSync(data);
    const following = Buffer.concat([Buffer.from('PK\u0007\u0008 descriptor'), Buffer.alloc(20_000)]);
    const inflater = new RawInflater();
    const out = Buffer.concat(await collect(inflater.push(compressed)));
    expect(inflater.finished).toBe(false);
    expect(await collect(inflater.push(following))).toEqual([]);
    expect(inflater.finished).toBe(true);
    expect(out.equals(data)).toBe(true);
    expect(inflater.bytesIn).toBe(compressed.length);
    expect(Buffer.from(inflater.rest()).equals(following)).toBe(true);
  });

  it('gathers small pieces before writing them to zlib, and finds the end once the input is final', async () => {
    const compressed = deflateRawSync(text(500));
    const trailer = Buffer.from('PK\u0007\u0008 and the next entry');
    const inflater = new RawInflater();
    expect(await collect(inflater.push(compressed.subarray(0, 10)))).toEqual([]);
    const out = [...(await collect(inflater.push(compressed.subarray(10)))), ...(await collect(inflater.push(trailer)))];
    expect(inflater.finished).toBe(false);
    out.push(...(await collect(inflater.push(new Uint8Array(0), true))));
    expect(inflater.finished).toBe(true);
    expect(Buffer.concat(out).equals(text(500))).toBe(true);
    expect(inflater.bytesIn).toBe(compressed.length);
    expect(Buffer.from(inflater.rest()).equals(trailer)).toBe(true);
  });

  it('yields pieces of at most 64 KiB, so a consumer can stop a bomb early', async () => {
    const bomb = deflateRawSync(Buffer.alloc(50_000_000), { level: 9 });
    const inflater = new RawInflater();
    let produced = 0;
    for await (const piece of inflater.push(bomb, true)) {
      expect(piece.length).toBeLessThanOrEqual(64 * 1024);
      produced += piece.length;
      if (produced > 1_000_000) break;
    }
    inflater.destroy();
    expect(produced).toBeLessThan(1_100_000);
  });

  it.each([
    ['a truncated stream', deflateRawSync(text(10_000)).subarray(0, 500), 'truncated'],
    ['an invalid block type', Uint8Array.from([0x07, 0, 0]), 'corrupt'],
    ['a bad stored length check', Uint8Array.from([0x01, 0x05, 0x00, 0x00, 0x00]), 'corrupt'],
    ['junk', Uint8Array.from(randomBytes(64).map((b, i) => (i === 0 ? (b & 0xf8) | 0x05 : b))), 'corrupt'],
  ])('rejects %s', async (_name, bytes, code) => {
    let error: unknown;
    try {
      await inflate(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ArchiveError);
    expect((error as ArchiveError).code).toBe(code);
  });
});
