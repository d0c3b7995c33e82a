import { createHash } from 'node:crypto';
import { chainHash, GENESIS, nextLink, recordBody, type ChainLink } from './audit-chain';
import { canonicalJson } from './canonical-json';
import { ChainCopyParser } from './postgres-chain';

function chain(n: number): ChainLink[] {
  const links: ChainLink[] = [];
  let head = GENESIS;
  for (let i = 1; i <= n; i += 1) {
    // Non-ASCII text: the parser must hand over bytes, not characters.
    const link = nextLink(head, recordBody({ envelope: { id: `e${i}`, data: { n: i, note: 'größe ✓' } }, recordedAt: '2026-12-07T00:00:00.000Z', topic: 't' }));
    links.push(link);
    head = link;
  }
  return links;
}

const int16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
const field = (bytes: Buffer | null) => (bytes === null ? int32(-1) : Buffer.concat([int32(bytes.length), bytes]));

/** What `COPY (SELECT position, prev_hash, record_hash, body ...) TO STDOUT (FORMAT binary)` sends. */
function copyBytes(rows: { position: number; prevHash: string | null; recordHash: string; body: string }[]): Buffer {
  const position = (p: number) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(p));
    return b;
  };
  return Buffer.concat([
    Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
    int32(0),
    int32(0),
    ...rows.map((r) =>
      Buffer.concat([
        int16(4),
        field(position(r.position)),
        field(r.prevHash === null ? null : Buffer.from(r.prevHash)),
        field(Buffer.from(r.recordHash)),
        field(Buffer.from(r.body)),
      ]),
    ),
    int16(-1),
  ]);
}

function parse(chunks: Buffer[]): ChainLink[] {
  const out: ChainLink[] = [];
  const parser = new ChainCopyParser((link) => out.push(link));
  for (const chunk of chunks) parser.push(chunk);
  return out;
}

const asStrings = (links: ChainLink[]) => links.map((l) => ({ ...l, body: l.body.toString() }));

describe('reading the chain from COPY binary output', () => {
  const links = chain(5);
  const bytes = copyBytes(links.map((l) => ({ ...l, body: l.body.toString() })));

  it('yields each record with its body as the bytes that were hashed', () => {
    const parsed = parse([bytes]);
    expect(asStrings(parsed)).toEqual(asStrings(links));
    expect(parsed.every((l) => Buffer.isBuffer(l.body) && chainHash(l.position, l.prevHash, l.body) === l.recordHash)).toBe(true);
  });

  it('joins records split anywhere across chunks, header and trailer included', () => {
    for (const size of [1, 2, 3, 7, 19, 20, 64, 333]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(asStrings(parse(chunks))).toEqual(asStrings(links));
    }
  });

  it('keeps bodies intact when the reader reuses its buffer for the next chunk (as pg does)', () => {
    const out: ChainLink[] = [];
    const parser = new ChainCopyParser((link) => out.push(link));
    const reused = Buffer.alloc(bytes.length);
    for (let i = 0; i < bytes.length; i += 100) {
      const part = bytes.subarray(i, i + 100);
      part.copy(reused);
      parser.push(reused.subarray(0, part.length));
      reused.fill(0);
    }
    expect(asStrings(out)).toEqual(asStrings(links));
  });

  it('turns a NULL column into bytes that fail verification, not into a crash', () => {
    const [parsed] = parse([copyBytes([{ position: 1, prevHash: null, recordHash: 'f'.repeat(64), body: canonicalJson({ a: 1 }) }])]);
    expect(parsed).toMatchObject({ position: 1, prevHash: '' });
    expect(chainHash(parsed.position, parsed.prevHash, parsed.body)).not.toBe(parsed.recordHash);
  });

  it('refuses output that is not COPY binary, or rows of another shape', () => {
    expect(() => parse([Buffer.from('1\tabc\tdef\tbody\n'.repeat(3))])).toThrow('not COPY binary output');
    const threeColumns = Buffer.concat([bytes.subarray(0, 19), int16(3), field(Buffer.from('x'))]);
    expect(() => parse([threeColumns])).toThrow('COPY row of 3 columns, expected 4');
  });

  it('hashes a body the same whether given as text or as its bytes, also past the reused scratch buffer', () => {
    for (const body of ['{"a":"größe ✓"}', `{"big":"${'x'.repeat(70_000)}"}`, `{"big":"${'é'.repeat(30_000)}"}`]) {
      const expected = createHash('sha256')
        .update(`7\n${'0'.repeat(64)}\n`)
        .update(body)
        .digest('hex');
      expect(chainHash(7, '0'.repeat(64), body)).toBe(expected);
      expect(chainHash(7, '0'.repeat(64), Buffer.from(body))).toBe(expected);
    }
  });
});
