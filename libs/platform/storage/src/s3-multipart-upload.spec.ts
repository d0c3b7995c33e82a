import { MAX_PARTS, MIN_PART_BYTES, partSizeFor } from './s3-multipart-upload';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('multipart part size', () => {
  it.each([
    ['the configured size when maxBytes fits in 10,000 parts of it', 8 * MiB, 10 * GiB, 8 * MiB],
    ['at least S3 minimum of 5 MiB', 1 * MiB, 1 * GiB, MIN_PART_BYTES],
    ['a larger size, in whole MiB, when 10,000 configured parts would not hold maxBytes', 8 * MiB, 100 * GiB, 11 * MiB],
    ['no more than S3 largest object (5 TiB) needs, whatever maxBytes', 8 * MiB, Number.MAX_SAFE_INTEGER, 525 * MiB],
  ])('is %s', (_rule, configured, maxBytes, expected) => {
    expect(partSizeFor(configured, maxBytes)).toBe(expected);
  });

  it('always holds maxBytes (up to 5 TiB) in at most 10,000 parts', () => {
    for (const maxBytes of [1, 5 * MiB, 78 * GiB + 1, 1024 * GiB, 5 * 1024 * GiB]) {
      expect(Math.ceil(maxBytes / partSizeFor(8 * MiB, maxBytes))).toBeLessThanOrEqual(MAX_PARTS);
    }
  });
});
