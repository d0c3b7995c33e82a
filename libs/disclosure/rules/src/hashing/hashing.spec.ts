import { createHash, randomBytes } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { crc32 } from './crc32';
import { Sha256 } from './sha256';

describe('sha256', () => {
  it('matches the FIPS 180-4 examples', () => {
    expect(new Sha256().hex()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(new Sha256().update(new TextEncoder().encode('abc')).hex()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('matches node:crypto for any bytes fed in any pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(70), { maxLength: 8 }), (bytes, cuts) => {
        const hash = new Sha256();
        let at = 0;
        for (const cut of cuts) {
          hash.update(bytes.subarray(at, Math.min(bytes.length, at + cut)));
          at = Math.min(bytes.length, at + cut);
        }
        hash.update(bytes.subarray(at));
        expect(hash.hex()).toBe(createHash('sha256').update(bytes).digest('hex'));
      }),
    );
  });
});

describe('crc32', () => {
  it('matches zlib, also when fed in pieces', () => {
    const bytes = randomBytes(10_000);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    expect(crc32(bytes.subarray(5000), crc32(bytes.subarray(0, 5000)))).toBe(zlibCrc32(bytes));
  });
});
