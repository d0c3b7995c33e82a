/** Raised when the byte source itself fails: not a judgement about the file, so callers retry. */
export class ContentSourceError extends Error {
  constructor(override readonly cause: unknown) {
    super('The file content could not be read from its source.');
    this.name = 'ContentSourceError';
  }
}

export type PeekedStream = {
  head: Uint8Array;
  /** The whole stream again, head included; iterate at most once. */
  body: AsyncIterable<Uint8Array>;
  /** Releases the source when the body is not read to the end. */
  close: () => Promise<void>;
};

/** Reads the first `size` bytes for type detection without losing them for the readers. */
export const peekHead = async (source: AsyncIterable<Uint8Array>, size: number): Promise<PeekedStream> => {
  const iterator = source[Symbol.asyncIterator]();
  const buffered: Uint8Array[] = [];
  let length = 0;
  let done = false;
  while (length < size) {
    const next = await nextChunk(iterator);
    if (next.done) {
      done = true;
      break;
    }
    buffered.push(next.value);
    length += next.value.length;
  }
  const close = async (): Promise<void> => {
    await iterator.return?.();
  };
  async function* body(): AsyncGenerator<Uint8Array> {
    yield* buffered;
    while (!done) {
      const next = await nextChunk(iterator);
      if (next.done) return;
      yield next.value;
    }
  }
  return { head: concat(buffered, size), body: body(), close };
};

const nextChunk = async (iterator: AsyncIterator<Uint8Array>): Promise<IteratorResult<Uint8Array>> => {
  try {
    return await iterator.next();
  } catch (error) {
    throw new ContentSourceError(error);
  }
};

const concat = (chunks: Uint8Array[], limit: number): Uint8Array => {
  const total = Math.min(
    limit,
    chunks.reduce((n, c) => n + c.length, 0),
  );
  const head = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= total) break;
    const part = chunk.subarray(0, total - offset);
    head.set(part, offset);
    offset += part.length;
  }
  return head;
};
