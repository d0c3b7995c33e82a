import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { MiB, toMiB } from './units';

// The file every upload sends: pseudo-random bytes (nothing on the way can compress or dedupe
// it), made once under bench/out/ and reused, with its SHA-256 kept beside it.
export type TestFile = { path: string; bytes: number; sha256: string };

export function ensureTestFile(dir: string, bytes: number): TestFile {
  const file = path.join(dir, `upload-${bytes}.bin`);
  const hashFile = `${file}.sha256`;
  if (existsSync(file) && statSync(file).size === bytes && existsSync(hashFile)) {
    return { path: file, bytes, sha256: readFileSync(hashFile, 'utf8').trim() };
  }
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`making ${toMiB(bytes).toFixed(0)} MiB of random bytes in ${path.relative(process.cwd(), file)} (once)\n`);
  const partial = `${file}.partial`;
  const hash = createHash('sha256');
  const block = Buffer.allocUnsafe(MiB);
  const fd = openSync(partial, 'w');
  try {
    for (let written = 0; written < bytes;) {
      const chunk = block.subarray(0, Math.min(block.length, bytes - written));
      randomFillSync(chunk);
      hash.update(chunk);
      if (writeSync(fd, chunk) !== chunk.length) throw new Error(`short write to ${partial}`);
      written += chunk.length;
    }
  } finally {
    closeSync(fd);
  }
  const sha256 = hash.digest('hex');
  writeFileSync(hashFile, `${sha256}\n`);
  renameSync(partial, file);
  return { path: file, bytes, sha256 };
}
