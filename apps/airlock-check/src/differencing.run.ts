import { isAbsolute, relative } from 'node:path';
import { localFileInput, type LocalFile } from '@airlock/disclosure-files';
import {
  checkDifferencing,
  combineVerdicts,
  readTableSnapshot,
  type ComparedTable,
  type DisclosurePolicy,
  type FileResult,
  type Finding,
  type TableSnapshot,
} from '@airlock/disclosure-rules';

/**
 * The differencing checks of the command line: each count table checked against the other tables
 * checked with it and against the earlier released outputs given with --against. The checked
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
  const tables = new Map<number, TableSnapshot>();
  for (const [index, file] of files.entries()) {
    if (results[index].supporting || !['csv', 'tsv'].includes(results[index].fileType.kind)) continue;
    const table = await readTableSnapshot(file.name, localFileInput(file).open(), policy);
    if (table) tables.set(index, table);
  }
  const found = new Map<number, Finding[]>();
  const compare = (index: number, other: ComparedTable) => {
    const list = found.get(index) ?? [];
    list.push(...checkDifferencing(tables.get(index) as TableSnapshot, [other], policy));
    found.set(index, list);
  };
  for (const [i] of tables) {
    for (const [j, other] of tables)
      if (i !== j) compare(i, { origin: { relation: 'file', fileName: files[j].name, path: shown(files[j].path) }, table: other });
  }
  for (const earlier of against) {
    if (tables.size === 0) break;
    const other = await readTableSnapshot(earlier.name, localFileInput(earlier).open(), policy);
    if (!other) continue;
    for (const [i] of tables) compare(i, { origin: { relation: 'released', fileName: earlier.name, path: shown(earlier.path) }, table: other });
  }
  return results.map((result, index) => {
    const extra = found.get(index) ?? [];
    if (extra.length === 0) return result;
    const findings = [...result.findings, ...extra];
    return { ...result, findings, verdict: combineVerdicts(findings) };
  });
};
