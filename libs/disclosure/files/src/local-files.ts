import { createReadStream } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { FileInput } from '@airlock/disclosure-rules';

/** A file on disk to be checked: `name` as the user sees it ('/'-separated), `path` absolute. */
export type LocalFile = { name: string; path: string; size: number };

export type LocalFilesErrorCode = 'missing' | 'not-a-file' | 'empty-folder';

export class LocalFilesError extends Error {
  constructor(
    readonly code: LocalFilesErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LocalFilesError';
  }
}

export type WalkNotice = { skipped: string; reason: string };

/**
 * The files named by command-line arguments: files as given, folders walked (sorted, hidden files
 * included: they would leave too). Names are relative to `cwd` (or, for a path outside it, to that
 * path's parent folder) so that a table and its evidence, or an ACRO results folder, keep their
 * relative paths. Symbolic links to folders are not followed
 * (no cycles) and are reported.
 */
export const collectLocalFiles = async (args: readonly string[], cwd: string, notice: (n: WalkNotice) => void = () => undefined): Promise<LocalFile[]> => {
  const files: LocalFile[] = [];
  const seen = new Set<string>();
  for (const arg of args) {
    const path = resolve(cwd, arg);
    // Inside the working folder names are relative to it; outside, relative to the argument's parent.
    const base = isInside(path, cwd) ? cwd : dirname(path);
    const add = (file: string, size: number): void => {
      if (seen.has(file)) return;
      seen.add(file);
      files.push({ name: relative(base, file).split(sep).join('/'), path: file, size });
    };
    const info = await stat(path).catch(() => null);
    if (info === null) throw new LocalFilesError('missing', `No such file or folder: ${arg}`);
    if (info.isFile()) add(path, info.size);
    else if (info.isDirectory()) {
      let found = 0;
      await walk(path, (p, size) => (found++, add(p, size)), notice);
      if (found === 0) throw new LocalFilesError('empty-folder', `The folder ${arg} holds no files.`);
    } else throw new LocalFilesError('not-a-file', `Not a file or folder: ${arg}`);
  }
  return files;
};

const walk = async (dir: string, add: (path: string, size: number) => void, notice: (n: WalkNotice) => void): Promise<void> => {
  const entries = (await readdir(dir)).sort();
  for (const entry of entries) {
    const path = join(dir, entry);
    const link = await lstat(path);
    const info = link.isSymbolicLink() ? await stat(path).catch(() => null) : link;
    if (info === null) notice({ skipped: path, reason: 'a broken symbolic link' });
    else if (info.isDirectory()) {
      if (link.isSymbolicLink()) notice({ skipped: path, reason: 'a symbolic link to a folder' });
      else await walk(path, add, notice);
    } else if (info.isFile()) add(path, info.size);
    else notice({ skipped: path, reason: 'not a regular file' });
  }
};

const isInside = (path: string, dir: string): boolean => {
  const rel = relative(dir, path);
  return !rel.startsWith('..') && !isAbsolute(rel);
};

/** A local file as an input of checkFiles; `onBytes` hears every chunk read (progress). */
export const localFileInput = (file: LocalFile, onBytes: (n: number) => void = () => undefined): FileInput => ({
  name: file.name,
  open: () => counted(createReadStream(file.path, { highWaterMark: 1 << 20 }), onBytes),
});

async function* counted(stream: AsyncIterable<Buffer>, onBytes: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) {
    onBytes(chunk.length);
    yield chunk;
  }
}
