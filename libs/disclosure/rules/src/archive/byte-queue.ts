/**
 * Buffered reading from a byte stream: exact-length reads for headers, pass-through streaming
 * for entry data, and put-back for bytes a decoder read past its end. Tracks the absolute offset
 * so entries can be matched against the central directory.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private ended = false;
  private consumed = 0;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  /** Absolute offset of the next byte to be taken. */
  get offset(): number {
    return this.consumed;
  }

  get available(): number {
    return this.buffered;
  }

  /** Waits until `n` bytes are buffered; false when the stream ends first. */
  async ensure(n: number): Promise<boolean> {
    while (this.buffered < n) {
      if (!(await this.pull())) return false;
    }
    return true;
  }

  /** True when nothing is buffered and the source is exhausted. */
  async atEnd(): Promise<boolean> {
    return !(await this.ensure(1));
  }

  /** Removes and returns exactly `n` buffered bytes (call ensure first). */
  take(n: number): Uint8Array {
    if (n > this.buffered) throw new RangeError('take beyond buffered bytes');
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0];
      const part = Math.min(head.length, n - filled);
      out.set(head.subarray(0, part), filled);
      filled += part;
      if (part === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(part);
    }
    this.buffered -= n;
    this.consumed += n;
    return out;
  }

  /** The buffered bytes, or the next chunk of the source; null at the end. Removes them. */
  async next(max = Infinity): Promise<Uint8Array | null> {
    if (this.buffered === 0 && !(await this.pull())) return null;
    const head = this.chunks[0];
    const part = head.length <= max ? head : head.subarray(0, max);
    if (part === head) this.chunks.shift();
    else this.chunks[0] = head.subarray(part.length);
    this.buffered -= part.length;
    this.consumed += part.length;
    return part;
  }

  /** Puts back bytes that were taken but belong to what follows. */
  unshift(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.unshift(bytes);
    this.buffered += bytes.length;
    this.consumed -= bytes.length;
  }

  async close(): Promise<void> {
    if (!this.ended) await this.source.return?.();
    this.ended = true;
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    if (next.value.length > 0) {
      this.chunks.push(next.value);
      this.buffered += next.value.length;
    }
    return true;
  }
}
