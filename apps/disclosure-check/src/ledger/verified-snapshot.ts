import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { readTableSnapshots, type DisclosurePolicy, type PartSnapshot } from '@airlock/disclosure-rules';
import type { ObjectStore, Stage } from '@airlock/storage';

export type VerifiedSnapshot = { parts: PartSnapshot[]; sha256Matches: boolean } | null;

/**
 * Reads the count tables of a stored file (a CSV; a workbook's sheets; an archive's CSV members),
 * streamed and hashed on the way (never the whole file in memory); `null` when it holds none.
 * Tables come back only from a whole read, so its SHA-256 can be compared with the one recorded
 * for the file (the readers read to the end: the zip reader checks its central directory). The object stream is always closed.
 */
export async function readVerifiedSnapshot(
  store: ObjectStore,
  stage: Stage,
  key: string,
  file: { name: string; sha256: string },
  policy: Pick<DisclosurePolicy, 'maxTableCells'> & Partial<DisclosurePolicy>,
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
    const parts = await readTableSnapshots(file.name, hashed(), policy);
    if (parts.length === 0) return null;
    return { parts, sha256Matches: hash.digest('hex') === file.sha256 };
  } finally {
    stream.destroy();
  }
}
