import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { LocalFile } from '@airlock/disclosure-files';
import { toAcroResults, type FileResult } from '@airlock/disclosure-rules';

/** The folder for --acro-results must be new or empty: an export never mixes with other files. */
export const checkAcroResultsDir = async (dir: string, cwd: string): Promise<string | null> => {
  const entries = await readdir(resolve(cwd, dir)).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : null));
  if (entries === null) return `Cannot use ${dir} for --acro-results: it is not a folder.`;
  return entries.length > 0 ? `The folder for --acro-results must be new or empty: ${dir} is not.` : null;
};

/**
 * An ACRO results folder SACRO-Viewer can open: results.json with our verdicts, a copy of each
 * file beside it and checksums/<file>.txt (SHA-256), as ACRO's finalise writes them. ACRO's own
 * metadata from checked folders is replaced, not copied. Returns the results.json path.
 */
export const writeAcroResults = async (
  dir: string,
  cwd: string,
  files: readonly LocalFile[],
  results: readonly FileResult[],
  timestamp: string,
): Promise<string> => {
  const root = resolve(cwd, dir);
  const pathOf = new Map(files.map((f) => [f.name, f.path]));
  const exported = results
    .filter((r) => r.supporting !== 'acro-metadata')
    .map((r) => ({ result: { ...r, name: safeName(r.name) }, source: pathOf.get(r.name) as string }));
  await mkdir(join(root, 'checksums'), { recursive: true });
  for (const { result, source } of exported) {
    await mkdir(dirname(join(root, result.name)), { recursive: true });
    await copyFile(source, join(root, result.name));
  }
  const json = `${JSON.stringify(
    toAcroResults(
      exported.map((e) => e.result),
      timestamp,
    ),
    null,
    4,
  )}\n`;
  await writeFile(join(root, 'results.json'), json);
  for (const name of [...exported.map((e) => e.result.name), 'results.json']) {
    const target = join(root, 'checksums', `${name}.txt`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(
      target,
      createHash('sha256')
        .update(await readFile(join(root, name)))
        .digest('hex'),
    );
  }
  return join(root, 'results.json');
};

// Names are relative to the working folder; one outside it (absolute) keeps only its path below the root.
const safeName = (name: string): string => name.replace(/^\/+/, '').replace(/(^|\/)\.\.(?=\/|$)/g, '$1_');
