import { DEFAULT_POLICY, type DisclosurePolicy } from '../disclosure.policy';
import { ArchiveError } from '../archive/archive.error';
import { ArchiveBudget, type ArchiveLimits } from '../archive/archive.limits';
import { readZipEntries } from '../archive/zip.reader';
import { isEvidenceName } from '../evidence/evidence';
import { detectFileType } from '../file-type/file-type.detector';
import { detectTextEncoding } from '../file-type/text-encoding.detector';
import { ContentSourceError, peekHead, type PeekedStream } from '../readers/byte-stream.head';
import { readCsvRowBatches } from '../readers/csv.reader';
import { TableReadError } from '../readers/table-read.error';
import { readTableInMemory } from '../tables/frequency-table.reader';
import { readWorkbook } from '../xlsx/workbook.read';
import { snapshotOf, type TableSnapshot } from './table-snapshot';

const HEAD_BYTES = 8192;

type SnapshotPolicy = Pick<DisclosurePolicy, 'maxTableCells'> & Partial<ArchiveLimits>;

/**
 * One table of a file, for the differencing checks and the ledger: the file's only table (`part`
 * absent: a CSV or TSV), a workbook's sheet (`sheet:<name>`) or a CSV or TSV inside a zip archive
 * (`member:<path>`); see describePart.
 */
export type PartSnapshot = { part?: string; table: TableSnapshot };

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
  const parts = await readTableSnapshots(name, content, policy, { containers: false });
  return parts[0]?.table ?? null;
};

/**
 * Every count table of a file: a CSV or TSV is one; each sheet of an xlsx workbook is one; each
 * CSV or TSV member of a zip archive is one (members nested deeper, and workbooks inside
 * archives, are not read: the file's own check judges them). Magnitude tables, evidence files,
 * unreadable or oversized tables give nothing. A broken or hostile archive ends the reading with
 * the tables found before (its check fails or reviews it anyway). Reads the bytes once; a failure
 * of the byte source is rethrown, so the caller retries.
 */
export const readTableSnapshots = async (
  name: string,
  content: AsyncIterable<Uint8Array>,
  policy: SnapshotPolicy,
  options: { containers: boolean } = { containers: true },
): Promise<PartSnapshot[]> => {
  if (isEvidenceName(name)) return [];
  const stream = await peekHead(content, HEAD_BYTES);
  try {
    const type = detectFileType(stream.head, name);
    if (type.kind === 'csv' || type.kind === 'tsv') {
      const table = await csvSnapshot(stream, type.kind, policy);
      return table ? [{ table }] : [];
    }
    if (!options.containers || (type.kind !== 'xlsx' && type.kind !== 'zip')) return [];
    return type.kind === 'xlsx' ? await workbookSnapshots(stream.body, policy) : await archiveSnapshots(stream.body, policy);
  } catch (error) {
    if (error instanceof TableReadError) return [];
    if (error instanceof ContentSourceError) throw error.cause;
    throw error;
  } finally {
    await stream.close().catch(() => undefined);
  }
};

const csvSnapshot = async (stream: PeekedStream, kind: 'csv' | 'tsv', policy: SnapshotPolicy): Promise<TableSnapshot | null> => {
  const encoding = detectTextEncoding(stream.head)?.encoding ?? 'utf-8';
  const options = { encoding, preferredDelimiter: kind === 'tsv' ? ('\t' as const) : (',' as const) };
  const reading = await readTableInMemory(readCsvRowBatches(stream.body, options), policy);
  return reading.kind === 'table' ? snapshotOf(reading.table) : null;
};

const rowsSnapshot = async (rows: string[][], policy: SnapshotPolicy): Promise<TableSnapshot | null> => {
  try {
    const reading = await readTableInMemory([rows], policy);
    return reading.kind === 'table' ? snapshotOf(reading.table) : null;
  } catch (error) {
    if (error instanceof TableReadError) return null;
    throw error;
  }
};

// The policy's archive limits, else the defaults (the ledger's projector holds only maxTableCells).
const budgetFor = (policy: SnapshotPolicy): ArchiveBudget =>
  new ArchiveBudget({
    archiveMaxEntries: policy.archiveMaxEntries ?? DEFAULT_POLICY.archiveMaxEntries,
    archiveMaxUncompressedBytes: policy.archiveMaxUncompressedBytes ?? DEFAULT_POLICY.archiveMaxUncompressedBytes,
    archiveMaxRatio: policy.archiveMaxRatio ?? DEFAULT_POLICY.archiveMaxRatio,
    archiveMaxDepth: policy.archiveMaxDepth ?? DEFAULT_POLICY.archiveMaxDepth,
  });

const workbookSnapshots = async (body: AsyncIterable<Uint8Array>, policy: SnapshotPolicy): Promise<PartSnapshot[]> => {
  const reading = await readWorkbook(body, policy);
  if (reading.kind === 'unreadable') return [];
  const { workbook } = reading;
  // Text the collector could not keep would read as wrong labels: such a workbook is not compared.
  if (workbook.stringsTruncated) return [];
  const parts: PartSnapshot[] = [];
  for (const sheet of workbook.sheets()) {
    if (sheet.tooLarge) continue;
    const rows = [...sheet.rows()];
    if (rows.every((row) => row.every((cell) => cell.trim() === ''))) continue;
    const table = await rowsSnapshot(rows, policy);
    if (table) parts.push({ part: `sheet:${sheet.name}`, table });
  }
  return parts;
};

const archiveSnapshots = async (body: AsyncIterable<Uint8Array>, policy: SnapshotPolicy): Promise<PartSnapshot[]> => {
  const parts: PartSnapshot[] = [];
  try {
    for await (const entry of readZipEntries(body, budgetFor(policy))) {
      if (entry.directory || entry.unsupportedMethod !== null || !/\.(csv|tsv|txt)$/i.test(entry.name)) continue;
      const found = await readTableSnapshots(entry.name, entry.content, policy, { containers: false });
      for (const { table } of found) parts.push({ part: `member:${entry.name}`, table });
    }
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
  }
  return parts;
};
