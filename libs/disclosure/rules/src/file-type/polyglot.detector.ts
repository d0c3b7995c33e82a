import { ZIP_LOCAL_FILE } from './magic-bytes';

const ZIP_END = [0x50, 0x4b, 0x05, 0x06] as const;
// A zip reader looks for its end record in the last 22 bytes plus the longest comment (65,535).
const TAIL_BYTES = 22 + 65_535;
// Documents and images are otherwise judged from their first bytes; past this, a person is told.
export const POLYGLOT_SCAN_BYTES = 256 * 2 ** 20;

const matchesAt = (bytes: Uint8Array, at: number, signature: readonly number[]): boolean => signature.every((b, i) => bytes[at + i] === b);

const contains = (bytes: Uint8Array, signature: readonly number[]): boolean => {
  for (let at = bytes.indexOf(signature[0]); at !== -1 && at <= bytes.length - signature.length; at = bytes.indexOf(signature[0], at + 1)) {
    if (matchesAt(bytes, at, signature)) return true;
  }
  return false;
};

const join = (chunks: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
};

/** The last `size` bytes of a stream, in fixed memory, whatever the chunk sizes. */
class Tail {
  private readonly ring: Uint8Array;
  private written = 0;

  constructor(private readonly size: number) {
    this.ring = new Uint8Array(size);
  }

  push(chunk: Uint8Array): void {
    const bytes = chunk.length > this.size ? chunk.subarray(chunk.length - this.size) : chunk;
    const at = (this.written + chunk.length - bytes.length) % this.size;
    const first = Math.min(bytes.length, this.size - at);
    this.ring.set(bytes.subarray(0, first), at);
    this.ring.set(bytes.subarray(first), 0);
    this.written += chunk.length;
  }

  bytes(): Uint8Array {
    if (this.written <= this.size) return this.ring.subarray(0, this.written);
    const at = this.written % this.size;
    return join([this.ring.subarray(at), this.ring.subarray(0, at)]);
  }
}

/**
 * Whether the bytes are also a zip archive: a member header anywhere and an end record where zip
 * readers look for it (PDF/ZIP, GIFAR). Opened as a document, such a file shows the checker one
 * thing; opened as an archive, it releases another. Four matching bytes alone happen by chance
 * in compressed streams, so both signatures are needed. Streaming, in fixed memory; null when the
 * file goes on past `limit` bytes and was not read further.
 */
export const carriesZipArchive = async (body: AsyncIterable<Uint8Array>, limit = POLYGLOT_SCAN_BYTES): Promise<boolean | null> => {
  let read = 0;
  let member = false;
  let carry = new Uint8Array(0); // the last three bytes seen, however small the chunks
  const tail = new Tail(TAIL_BYTES);
  for await (const chunk of body) {
    // A signature may straddle two chunks: look across the boundary too.
    const seam = join([carry, chunk.subarray(0, 3)]);
    if (!member) member = contains(seam, ZIP_LOCAL_FILE) || contains(chunk, ZIP_LOCAL_FILE);
    carry = chunk.length >= 3 ? chunk.slice(-3) : seam.slice(-3);
    tail.push(chunk);
    read += chunk.length;
    if (read > limit) return null;
  }
  return member && contains(tail.bytes(), ZIP_END);
};
