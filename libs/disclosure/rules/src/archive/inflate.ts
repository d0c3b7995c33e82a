import { createInflateRaw, type InflateRaw } from 'node:zlib';
import { ArchiveError } from './archive.error';

// Raw DEFLATE (RFC 1951) through node:zlib, which is computation, not I/O: the rules stay pure
// (docs/adr/0009-zlib-inflate-and-csv-parsing.md). A zip entry written with a data descriptor does
// not state its compressed size, so the end of the deflate stream is the end of the entry: zlib
// stops consuming there, and `bytesWritten` says how much of the input it took.

/** The largest piece handed to the consumer, so a budget can stop a bomb after any piece. */
export const INFLATE_PIECE_BYTES = 64 * 1024;
const MIN_WRITE_BYTES = 16 * 1024;

/**
 * Streaming raw-DEFLATE decoder: push compressed bytes, take decompressed pieces of at most
 * INFLATE_PIECE_BYTES (output may come one push later: small inputs are gathered up to 16 KiB).
 * One input piece is in zlib at a time and output is read as it is needed
 * (zlib pauses while its output is unread), so memory stays bounded however far a bomb expands.
 * After `finished`, `rest()` returns the bytes that followed the end of the deflate stream.
 * Corrupt data fails as ArchiveError `corrupt`, data that stops early as `truncated`.
 */
export class RawInflater {
  private readonly zlib: InflateRaw;
  private ended = false;
  private failure: ArchiveError | null = null;
  private written = 0;
  private last: Uint8Array = new Uint8Array(0);
  private after: Uint8Array[] = [];
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private wake: (() => void) | undefined;

  constructor() {
    this.zlib = createInflateRaw({ chunkSize: INFLATE_PIECE_BYTES });
    const notify = (): void => {
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    };
    this.zlib.on('readable', notify);
    this.zlib.on('end', () => {
      this.ended = true;
      notify();
    });
    this.zlib.on('error', (error: NodeJS.ErrnoException) => {
      this.failure ??= fromZlib(error);
      notify();
    });
  }

  /** True once the end of the deflate stream has been read. */
  get finished(): boolean {
    return this.ended;
  }

  /** Compressed bytes consumed so far (up to the end of the deflate stream once finished; pieces still gathered count once written). */
  get bytesIn(): number {
    return this.zlib.bytesWritten;
  }

  /** Feeds one piece of compressed data (`final`: nothing follows it) and yields what it decodes to. */
  async *push(input: Uint8Array, final = false): AsyncGenerator<Uint8Array> {
    if (this.ended) {
      this.after.push(input);
      return;
    }
    // Each write is a round trip to zlib's thread: gather small pieces first.
    this.pending.push(input);
    this.pendingBytes += input.length;
    if (this.pendingBytes < MIN_WRITE_BYTES && !final) return;
    const chunk = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    let consumed = false;
    this.written += chunk.length;
    this.last = chunk;
    this.zlib.write(chunk, () => {
      consumed = true;
      this.wake?.();
    });
    if (final) this.zlib.end();
    for (;;) {
      if (this.failure) throw this.failure;
      while (this.zlib.readableLength > 0) {
        const piece = this.zlib.read(Math.min(INFLATE_PIECE_BYTES, this.zlib.readableLength)) as Buffer | null;
        if (piece === null) break;
        yield piece;
        if (this.failure) throw this.failure;
      }
      // Lets zlib go on after a full buffer, and lets the stream see its end once drained.
      this.zlib.read(0);
      if (this.zlib.readableLength > 0) continue;
      // zlib leaves input unconsumed only when the deflate stream ended inside it.
      if (consumed && this.zlib.bytesWritten < this.written) this.ended = true;
      if (this.ended || (consumed && !final)) return;
      // Every event that can change the checks above (data, end, error, consumed) calls wake.
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** After `finished`: the input bytes that came after the end of the deflate stream. */
  rest(): Uint8Array {
    const unread = this.written - this.zlib.bytesWritten;
    const tail = this.last.subarray(this.last.length - unread);
    if (this.after.length === 0) return tail;
    return Buffer.concat([tail, ...this.after]);
  }

  /** Releases zlib's memory at once (a consumer that stopped early, a failed archive). */
  destroy(): void {
    this.zlib.destroy();
  }
}

const fromZlib = (error: NodeJS.ErrnoException): ArchiveError => {
  // zlib reports input that stops before the end of the stream as Z_BUF_ERROR ("unexpected end of file").
  if (error.code === 'Z_BUF_ERROR') return new ArchiveError('truncated', 'Compressed data ends before the end of its stream.');
  return new ArchiveError('corrupt', `Compressed data is corrupt: ${error.message}.`);
};
