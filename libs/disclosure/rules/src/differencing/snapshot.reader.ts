import type { DisclosurePolicy } from '../disclosure.policy';
import { isEvidenceName } from '../evidence/evidence';
import { detectFileType } from '../file-type/file-type.detector';
import { detectTextEncoding } from '../file-type/text-encoding.detector';
import { ContentSourceError, peekHead } from '../readers/byte-stream.head';
import { readCsvRowBatches } from '../readers/csv.reader';
import { TableReadError } from '../readers/table-read.error';
import { readTableInMemory } from '../tables/frequency-table.reader';
import { snapshotOf, type TableSnapshot } from './table-snapshot';

const HEAD_BYTES = 8192;

/**
 * The snapshot of a CSV or TSV count table, for the differencing checks and the ledger; null for
 * anything else (other types, evidence files, unreadable or magnitude tables, tables past
 * maxTableCells). A failure of the byte source is rethrown, so the caller retries.
 */
export const readTableSnapshot = async (
  name: string,
  content: AsyncIterable<Uint8Array>,
  policy: Pick<DisclosurePolicy, 'maxTableCells'>,
): Promise<TableSnapshot | null> => {
  if (isEvidenceName(name)) return null;
  const stream = await peekHead(content, HEAD_BYTES);
  try {
    const type = detectFileType(stream.head, name);
    if (type.kind !== 'csv' && type.kind !== 'tsv') return null;
    const encoding = detectTextEncoding(stream.head)?.encoding ?? 'utf-8';
    const options = { encoding, preferredDelimiter: type.kind === 'tsv' ? ('\t' as const) : (',' as const) };
    const reading = await readTableInMemory(readCsvRowBatches(stream.body, options), policy);
    return reading.kind === 'table' ? snapshotOf(reading.table) : null;
  } catch (error) {
    if (error instanceof TableReadError) return null;
    if (error instanceof ContentSourceError) throw error.cause;
    throw error;
  } finally {
    await stream.close().catch(() => undefined);
  }
};
