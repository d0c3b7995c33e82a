import { Sha256 } from './sha256';

export type TrackOptions = {
  hash: boolean;
  captureUpTo: number;
  /** Stop hashing past this many bytes (the digest is then null): hashing costs more than checking. */
  hashUpTo?: number;
};

/** What was seen of a stream: its SHA-256 (null when not hashed) and, for small files, the bytes themselves. */
export type TrackedBytes = { sha256: string | null; captured: Uint8Array | null };

/**
 * Passes a stream through while hashing it and capturing its first bytes. `finish` reads what the
 * consumer left unread, so the hash covers every byte (ACRO checksums are over whole files).
 */
export const trackStream = (source: AsyncIterable<Uint8Array>, options: TrackOptions) => {
  let hash = options.hash ? new Sha256() : null;
  let seenBytes = 0;
  const captured: Uint8Array[] = [];
  let capturedBytes = 0;
  let overflow = false;
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  const see = (chunk: Uint8Array): void => {
    seenBytes += chunk.length;
    if (options.hashUpTo !== undefined && seenBytes > options.hashUpTo) hash = null;
    hash?.update(chunk);
    if (overflow || options.captureUpTo === 0) return;
    if (capturedBytes + chunk.length > options.captureUpTo) {
      overflow = true;
      captured.length = 0;
      return;
    }
    captured.push(chunk.slice());
    capturedBytes += chunk.length;
  };
  const next = async (): Promise<IteratorResult<Uint8Array>> => {
    const result = await iterator.next();
    if (result.done) done = true;
    else see(result.value);
    return result;
  };
  const stream: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({ next, return: async () => ({ done: true, value: undefined }) }),
  };
  const finish = async (): Promise<TrackedBytes> => {
    while (!done) await next();
    const bytes = options.captureUpTo > 0 && !overflow ? concat(captured, capturedBytes) : null;
    return { sha256: hash?.hex() ?? null, captured: bytes };
  };
  /** Releases the source without reading on (nothing to hash or capture). */
  const release = async (): Promise<void> => {
    if (!done) await iterator.return?.();
  };
  return { stream, finish, release };
};

const concat = (chunks: Uint8Array[], length: number): Uint8Array => {
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
};
