import { Readable } from 'node:stream';
import { byteLines } from './line-reader';

async function lines(chunks: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const line of byteLines(Readable.from(chunks.map((c) => Buffer.from(c))))) out.push(line.toString());
  return out;
}

describe('byte lines', () => {
  it('splits lines across chunk boundaries, keeping a last line without newline', async () => {
    expect(await lines(['ab', 'c\nde', 'f\n\ng', 'h'])).toEqual(['abc', 'def', '', 'gh']);
  });
  it('yields nothing for an empty stream', async () => {
    expect(await lines([])).toEqual([]);
  });
});
