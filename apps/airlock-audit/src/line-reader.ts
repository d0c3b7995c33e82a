import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';

const NEWLINE = 0x0a;

/** Lines of a stream as byte slices (no decoding, no copy of whole lines where avoidable), in O(line) memory. */
export async function* byteLines(stream: Readable): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline !== -1) {
      const piece = chunk.subarray(start, newline);
      yield carry ? Buffer.concat([carry, piece]) : piece;
      carry = undefined;
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) carry = carry ? Buffer.concat([carry, chunk.subarray(start)]) : Buffer.from(chunk.subarray(start));
  }
  if (carry && carry.length > 0) yield carry;
}

export function fileLines(path: string): AsyncGenerator<Buffer> {
  return byteLines(createReadStream(path, { highWaterMark: 1 << 20 }));
}
