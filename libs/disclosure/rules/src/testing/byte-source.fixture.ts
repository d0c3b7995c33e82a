/** Test sources: the same bytes cut into chunks of any size, to prove chunk boundaries don't matter. */
export async function* chunked(bytes: Uint8Array, size = bytes.length || 1): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.slice(offset, offset + size);
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

export const textSource = (text: string, size?: number): AsyncGenerator<Uint8Array> => chunked(utf8(text), size);

export const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

/** Chunk sizes every reader test runs with: whole, one byte, and an awkward prime. */
export const CHUNK_SIZES: readonly [string, number | undefined][] = [
  ['whole', undefined],
  ['1-byte', 1],
  ['7-byte', 7],
];
