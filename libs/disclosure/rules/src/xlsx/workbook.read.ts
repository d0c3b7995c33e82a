import { DEFAULT_POLICY, type DisclosurePolicy } from '../disclosure.policy';
import { ArchiveError } from '../archive/archive.error';
import { ArchiveBudget, type ArchiveLimits } from '../archive/archive.limits';
import { readZipEntries } from '../archive/zip.reader';
import { WorkbookCollector, type WorkbookSheet } from './workbook.collector';
import { workbookPartRole } from './workbook-part.role';
import { XmlReadError } from './xml.tokenizer';

export type WorkbookPolicy = Pick<DisclosurePolicy, 'maxTableCells'> & Partial<ArchiveLimits>;

/** A workbook's sheets as the checks read them, or why the workbook cannot be read (a bomb, broken XML). */
export type WorkbookReading = { kind: 'workbook'; workbook: WorkbookCollector } | { kind: 'unreadable'; reason: string };

/**
 * Reads an xlsx stream with the checks' own parts (zip reader under the archive budget, the
 * streaming WorkbookCollector and its cell limits), for anything that shows or compares sheets.
 * A hostile or broken workbook gives its reason, never an exception; a failing byte source throws.
 */
export const readWorkbook = async (body: AsyncIterable<Uint8Array>, policy: WorkbookPolicy = DEFAULT_POLICY): Promise<WorkbookReading> => {
  const workbook = new WorkbookCollector(policy);
  const budget = new ArchiveBudget({
    archiveMaxEntries: policy.archiveMaxEntries ?? DEFAULT_POLICY.archiveMaxEntries,
    archiveMaxUncompressedBytes: policy.archiveMaxUncompressedBytes ?? DEFAULT_POLICY.archiveMaxUncompressedBytes,
    archiveMaxRatio: policy.archiveMaxRatio ?? DEFAULT_POLICY.archiveMaxRatio,
    archiveMaxDepth: policy.archiveMaxDepth ?? DEFAULT_POLICY.archiveMaxDepth,
  });
  try {
    for await (const entry of readZipEntries(body, budget)) {
      if (entry.directory || entry.unsupportedMethod !== null) continue;
      const role = workbookPartRole(entry.name).kind;
      if (role === 'workbook') await workbook.readWorkbook(entry.content);
      else if (role === 'workbook-rels') await workbook.readRelationships(entry.content);
      else if (role === 'shared-strings') await workbook.readSharedStrings(entry.content);
      else if (role === 'worksheet') await workbook.readWorksheet(entry.name, entry.content);
    }
  } catch (error) {
    if (error instanceof ArchiveError || error instanceof XmlReadError) return { kind: 'unreadable', reason: error.message };
    throw error;
  }
  return { kind: 'workbook', workbook };
};

/** How a workbook finding names its sheet, at the start of its message (workbook.check.ts). */
export const sheetPlace = (sheet: Pick<WorkbookSheet, 'name' | 'hidden'>): string => `sheet "${sheet.name}"${sheet.hidden ? ' (hidden)' : ''}`;
