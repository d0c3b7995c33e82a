import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { readTableSnapshot, type DisclosurePolicy, type TableSnapshot } from '@airlock/disclosure-rules';
import type { ObjectStore, Stage } from '@airlock/storage';

export type VerifiedSnapshot = { table: TableSnapshot; sha256Matches: boolean } | null;

/**
 * Reads the count table of a stored file, streamed and hashed on the way (never the whole file in
 * memory); `null` when it is not a table. A table comes back only from a whole read, so its
 * SHA-256 can be compared with the one recorded for the file. The object stream is always closed.
 */
export async function readVerifiedSnapshot(
  store: ObjectStore,
  stage: Stage,
  key: string,
  file: { name: string; sha256: string },
  policy: Pick<DisclosurePolicy, 'maxTableCells'>,
): Promise<VerifiedSnapshot> {
  const hash = createHash('sha256');
  const stream: Readable = await store.getStream(stage, key);
  async function* hashed() {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      yield chunk;
    }
  }
  try {
    const table = await readTableSnapshot(file.name, hashed(), policy);
    return table ? { table, sha256Matches: hash.digest('hex') === file.sha256 } : null;
  } finally {
    stream.destroy();
  }
}
