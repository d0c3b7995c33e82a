import { isAbsolute, relative } from 'node:path';
import { localFileInput, type LocalFile } from '@airlock/disclosure-files';
import {
  checkDifferencing,
  combineVerdicts,
  describePart,
  readTableSnapshots,
  type ComparedTable,
  type DisclosurePolicy,
  type FileResult,
  type Finding,
  type TableSnapshot,
} from '@airlock/disclosure-rules';

const TABLE_KINDS = new Set(['csv', 'tsv', 'xlsx', 'zip']);

/**
 * The differencing checks of the command line: each count table (a CSV, a workbook's sheet, a CSV
 * inside a zip archive) checked against the other tables checked with it and against the earlier released outputs given with --against. The checked
 * tables are held (they are few); the --against files are read one at a time, so many earlier
 * outputs take no more memory than the largest of them.
 */
export const checkAgainst = async (
  files: readonly LocalFile[],
  results: readonly FileResult[],
  against: readonly LocalFile[],
  policy: DisclosurePolicy,
  cwd: string,
): Promise<FileResult[]> => {
  // As the user would type it: relative to where they run the command, else absolute.
  const shown = (path: string) => {
    const rel = relative(cwd, path);
    return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
  };
  // Each file's tables: a CSV is one, a workbook's sheets and an archive's CSV members are one each.
  const tables: { index: number; part?: string; table: TableSnapshot }[] = [];
  for (const [index, file] of files.entries()) {
    if (results[index].supporting || !TABLE_KINDS.has(results[index].fileType.kind)) continue;
    for (const { part, table } of await readTableSnapshots(file.name, localFileInput(file).open(), policy)) tables.push({ index, part, table });
  }
  const found = new Map<number, Finding[]>();
  const compare = (mine: (typeof tables)[number], other: ComparedTable) => {
    const list = found.get(mine.index) ?? [];
    // A finding on a sheet or member names it first, as the file's other findings on it do.
    const where = mine.part === undefined ? '' : `${describePart(mine.part)}: `;
    list.push(...checkDifferencing(mine.table, [other], policy).map((f) => ({ ...f, message: where + f.message })));
    found.set(mine.index, list);
  };
  for (const mine of tables) {
    for (const other of tables) {
      if (other === mine) continue;
      const file = files[other.index];
      compare(mine, { origin: { relation: 'file', fileName: file.name, path: shown(file.path), part: other.part }, table: other.table });
    }
  }
  for (const earlier of against) {
    if (tables.length === 0) break;
    for (const { part, table } of await readTableSnapshots(earlier.name, localFileInput(earlier).open(), policy)) {
      for (const mine of tables) compare(mine, { origin: { relation: 'released', fileName: earlier.name, path: shown(earlier.path), part }, table });
    }
  }
  return results.map((result, index) => {
    const extra = found.get(index) ?? [];
    if (extra.length === 0) return result;
    const findings = [...result.findings, ...extra];
    return { ...result, findings, verdict: combineVerdicts(findings) };
  });
};
