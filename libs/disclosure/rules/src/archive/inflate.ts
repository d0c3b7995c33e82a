import { ArchiveError } from './archive.error';

// RFC 1951 (DEFLATE), streaming and self-delimiting: a zip entry written with a data descriptor
// does not state its compressed size, so the end of the deflate stream is the end of the entry.

/** Every unit (block header, dynamic tables, one symbol) needs fewer bytes than this. */
const MARGIN = 1024;
const WINDOW = 32 * 1024;
const PIECE = 64 * 1024;
const FLUSH_AT = WINDOW + PIECE;

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A canonical Huffman code as a lookup table indexed by the next `bits` input bits; entry = symbol << 4 | length. */
type Huffman = { table: Uint32Array; bits: number };

type CodeKind = 'code-lengths' | 'literals' | 'distances';

const corrupt = (message: string): ArchiveError => new ArchiveError('corrupt', `Compressed data is corrupt: ${message}.`);

const buildHuffman = (lengths: ArrayLike<number>, kind: CodeKind | 'fixed'): Huffman => {
  const count = new Array<number>(16).fill(0);
  for (let i = 0; i < lengths.length; i++) count[lengths[i]]++;
  count[0] = 0;
  let left = 1;
  let bits = 0;
  for (let len = 1; len <= 15; len++) {
    left = (left << 1) - count[len];
    if (left < 0) throw corrupt('over-subscribed Huffman code');
    if (count[len] > 0) bits = len;
  }
  // zlib: an incomplete code is allowed only as a single one-bit code (and never for code lengths).
  if (kind !== 'fixed' && left > 0 && bits > 0 && (kind === 'code-lengths' || bits !== 1)) throw corrupt('incomplete Huffman code');
  const table = new Uint32Array(1 << bits);
  const next = new Array<number>(16).fill(0);
  for (let len = 1, code = 0; len <= 15; len++) {
    code = (code + count[len - 1]) << 1;
    next[len] = code;
  }
  for (let symbol = 0; symbol < lengths.length; symbol++) {
    const len = lengths[symbol];
    if (len === 0) continue;
    const reversed = reverse(next[len]++, len);
    for (let i = reversed; i < table.length; i += 1 << len) table[i] = (symbol << 4) | len;
  }
  return { table, bits };
};

const reverse = (code: number, len: number): number => {
  let out = 0;
  for (let i = 0; i < len; i++) {
    out = (out << 1) | (code & 1);
    code >>= 1;
  }
  return out;
};

const FIXED_LITERALS = buildHuffman(
  Array.from({ length: 288 }, (_, i) => (i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8)),
  'fixed',
);
const FIXED_DISTANCES = buildHuffman(new Array<number>(32).fill(5), 'fixed');

type Mode = 'header' | 'stored' | 'huffman' | 'done';

/**
 * Streaming raw-DEFLATE decoder: push compressed bytes, take decompressed pieces (about 64 KiB
 * each, so a consumer can stop a bomb after any piece). After `finished`, `rest()` returns the
 * input bytes that followed the end of the deflate stream.
 */
export class RawInflater {
  private input: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private bitBuf = 0;
  private bitCnt = 0;
  private final = false;
  private mode: Mode = 'header';
  private lastBlock = false;
  private storedLeft = 0;
  private literals: Huffman = FIXED_LITERALS;
  private distances: Huffman = FIXED_DISTANCES;
  private readonly out = new Uint8Array(FLUSH_AT + 258);
  private outPos = 0;
  private emitted = 0;
  private total = 0;
  private consumedBefore = 0;

  get finished(): boolean {
    return this.mode === 'done';
  }

  /** Compressed bytes consumed so far (whole bytes; the end is exact once finished). */
  get bytesIn(): number {
    return this.consumedBefore + this.pos - (this.bitCnt >> 3);
  }

  /** Feeds the next compressed bytes (`final` when no more will come); yields decompressed pieces. */
  *push(chunk: Uint8Array, final = false): Generator<Uint8Array> {
    if (this.mode === 'done') return;
    this.append(chunk);
    this.final = final;
    while (!this.finished) {
      if (!this.final && this.mode !== 'stored' && this.input.length - this.pos < MARGIN) break;
      if (this.outPos - this.emitted >= PIECE || this.outPos >= FLUSH_AT) yield this.flush();
      if (this.mode === 'header') this.readBlockHeader();
      else if (this.mode === 'stored') {
        if (!this.copyStored()) break;
      } else this.decodeSymbol();
    }
    if (this.final && !this.finished) throw new ArchiveError('truncated', 'Compressed data ends before its last block.');
    if (this.outPos > this.emitted) yield this.flush();
  }

  /** The input that followed the end of the deflate stream. */
  rest(): Uint8Array {
    const whole = this.bitCnt >> 3;
    const carried = new Uint8Array(whole);
    const shift = this.bitCnt & 7;
    for (let i = 0; i < whole; i++) carried[i] = (this.bitBuf >>> (shift + 8 * i)) & 0xff;
    const tail = this.input.subarray(this.pos);
    if (whole === 0) return tail;
    const joined = new Uint8Array(whole + tail.length);
    joined.set(carried);
    joined.set(tail, whole);
    return joined;
  }

  private append(chunk: Uint8Array): void {
    const left = this.input.length - this.pos;
    this.consumedBefore += this.pos;
    if (left === 0) this.input = chunk;
    else {
      const joined = new Uint8Array(left + chunk.length);
      joined.set(this.input.subarray(this.pos));
      joined.set(chunk, left);
      this.input = joined;
    }
    this.pos = 0;
  }

  private flush(): Uint8Array {
    const piece = this.out.slice(this.emitted, this.outPos);
    if (this.outPos >= FLUSH_AT) {
      this.out.copyWithin(0, this.outPos - WINDOW, this.outPos);
      this.outPos = WINDOW;
    }
    this.emitted = this.outPos;
    return piece;
  }

  private refill(): void {
    while (this.bitCnt <= 24 && this.pos < this.input.length) {
      this.bitBuf = (this.bitBuf | (this.input[this.pos++] << this.bitCnt)) >>> 0;
      this.bitCnt += 8;
    }
  }

  private bits(n: number): number {
    if (n === 0) return 0;
    if (this.bitCnt < n) this.refill();
    if (this.bitCnt < n) throw new ArchiveError('truncated', 'Compressed data ends in the middle of a block.');
    const value = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>>= n;
    this.bitCnt -= n;
    return value;
  }

  private decode(code: Huffman): number {
    if (this.bitCnt < code.bits) this.refill();
    const entry = code.table[this.bitBuf & ((1 << code.bits) - 1)];
    const len = entry & 15;
    if (len === 0) throw corrupt('invalid Huffman code');
    if (len > this.bitCnt) throw new ArchiveError('truncated', 'Compressed data ends in the middle of a block.');
    this.bitBuf >>>= len;
    this.bitCnt -= len;
    return entry >>> 4;
  }

  private readBlockHeader(): void {
    this.lastBlock = this.bits(1) === 1;
    const type = this.bits(2);
    if (type === 0) {
      this.bits(this.bitCnt & 7); // stored blocks start on a byte boundary
      const length = this.bits(16);
      if ((length ^ 0xffff) !== this.bits(16)) throw corrupt('stored block length check failed');
      this.storedLeft = length;
      this.mode = 'stored';
    } else if (type === 1) {
      this.literals = FIXED_LITERALS;
      this.distances = FIXED_DISTANCES;
      this.mode = 'huffman';
    } else if (type === 2) {
      this.readDynamicTables();
      this.mode = 'huffman';
    } else throw corrupt('invalid block type');
  }

  private readDynamicTables(): void {
    const literalCount = this.bits(5) + 257;
    const distanceCount = this.bits(5) + 1;
    const codeLengthCount = this.bits(4) + 4;
    if (literalCount > 286 || distanceCount > 30) throw corrupt('too many length or distance codes');
    const codeLengths = new Uint8Array(19);
    for (let i = 0; i < codeLengthCount; i++) codeLengths[CODE_LENGTH_ORDER[i]] = this.bits(3);
    const lengthCode = buildHuffman(codeLengths, 'code-lengths');
    const lengths = new Uint8Array(literalCount + distanceCount);
    for (let i = 0; i < lengths.length; ) {
      const symbol = this.decode(lengthCode);
      if (symbol < 16) {
        lengths[i++] = symbol;
        continue;
      }
      let value = 0;
      let repeat: number;
      if (symbol === 16) {
        if (i === 0) throw corrupt('repeated length with no first length');
        value = lengths[i - 1];
        repeat = 3 + this.bits(2);
      } else repeat = symbol === 17 ? 3 + this.bits(3) : 11 + this.bits(7);
      if (i + repeat > lengths.length) throw corrupt('too many code lengths');
      lengths.fill(value, i, i + repeat);
      i += repeat;
    }
    if (lengths[256] === 0) throw corrupt('no end-of-block code');
    this.literals = buildHuffman(lengths.subarray(0, literalCount), 'literals');
    this.distances = buildHuffman(lengths.subarray(literalCount), 'distances');
  }

  /** Copies stored bytes; false when it must wait for more input. */
  private copyStored(): boolean {
    if (this.storedLeft === 0) {
      this.mode = this.lastBlock ? 'done' : 'header';
      return true;
    }
    while (this.storedLeft > 0 && this.bitCnt >= 8 && this.outPos < FLUSH_AT) {
      this.put(this.bitBuf & 0xff);
      this.bitBuf >>>= 8;
      this.bitCnt -= 8;
      this.storedLeft--;
    }
    const n = Math.min(this.storedLeft, this.input.length - this.pos, FLUSH_AT - this.outPos);
    if (n === 0 && this.storedLeft > 0 && this.outPos < FLUSH_AT) {
      if (this.final) throw new ArchiveError('truncated', 'Compressed data ends inside a stored block.');
      return false;
    }
    this.out.set(this.input.subarray(this.pos, this.pos + n), this.outPos);
    this.outPos += n;
    this.total += n;
    this.pos += n;
    this.storedLeft -= n;
    return true;
  }

  private decodeSymbol(): void {
    const symbol = this.decode(this.literals);
    if (symbol < 256) {
      this.put(symbol);
      return;
    }
    if (symbol === 256) {
      this.mode = this.lastBlock ? 'done' : 'header';
      return;
    }
    const index = symbol - 257;
    if (index >= 29) throw corrupt('invalid length code');
    const length = LENGTH_BASE[index] + this.bits(LENGTH_EXTRA[index]);
    const distanceCode = this.decode(this.distances);
    if (distanceCode >= 30) throw corrupt('invalid distance code');
    const distance = DIST_BASE[distanceCode] + this.bits(DIST_EXTRA[distanceCode]);
    if (distance > Math.min(this.total, WINDOW)) throw corrupt('distance too far back');
    const out = this.out;
    let at = this.outPos;
    for (let i = 0; i < length; i++, at++) out[at] = out[at - distance];
    this.outPos = at;
    this.total += length;
  }

  private put(byte: number): void {
    this.out[this.outPos++] = byte;
    this.total++;
  }
}
