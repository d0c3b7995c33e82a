import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Api, FileView } from './api';
import { CliError, EXIT, uploadName } from './cli-core';

export type DownloadOutcome = { name: string; fileId: string; path: string; size: number; sha256: string; status: 'downloaded' | 'unchanged' };

async function sha256Of(file: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}

/**
 * Every released file of the request into `dir`: a single-use link each, streamed to a temporary
 * file while hashed; the file takes its name only when its SHA-256 is the one the request recorded
 * (otherwise it is deleted and the command fails with EXIT.verification). A file already there with
 * that SHA-256 is left alone (no link spent).
 */
export async function downloadReleased(api: Api, requestId: string, dir: string, onFile: (o: DownloadOutcome) => void): Promise<DownloadOutcome[]> {
  const request = await api.getRequest(requestId);
  const released = request.files.filter((f) => f.released);
  if (released.length === 0) {
    throw new CliError(EXIT.refused, `Request ${requestId} has no released files (it is ${request.status})`, 'NOTHING_RELEASED', { status: request.status });
  }
  await mkdir(dir, { recursive: true });
  const outcomes: DownloadOutcome[] = [];
  for (const file of released) {
    const outcome = await downloadOne(api, requestId, dir, file);
    onFile(outcome);
    outcomes.push(outcome);
  }
  return outcomes;
}

async function downloadOne(api: Api, requestId: string, dir: string, file: FileView): Promise<DownloadOutcome> {
  const target = path.join(dir, uploadName(file.name));
  const base = { name: file.name, fileId: file.fileId, path: target, size: file.size, sha256: file.sha256 };
  if ((await stat(target).catch(() => undefined))?.isFile() && (await sha256Of(target)) === file.sha256) return { ...base, status: 'unchanged' };
  const link = await api.downloadLink(requestId, file.fileId);
  const response = await fetch(new URL(link.path, api.baseUrl)).catch((error: Error) => {
    throw new CliError(EXIT.unavailable, `Cannot download ${file.name}: ${error.message}`);
  });
  if (!response.ok || !response.body)
    throw new CliError(response.status >= 500 ? EXIT.unavailable : EXIT.refused, `Cannot download ${file.name}: HTTP ${response.status}`);
  const temporary = `${target}.airlock-part`;
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), meter, createWriteStream(temporary));
  } catch (error) {
    await rm(temporary, { force: true });
    throw new CliError(EXIT.unavailable, `The download of ${file.name} broke off: ${(error as Error).message}`);
  }
  const sha256 = hash.digest('hex');
  if (sha256 !== file.sha256 || size !== file.size) {
    await rm(temporary, { force: true });
    throw new CliError(
      EXIT.verification,
      `${file.name}: the downloaded bytes do not match the released file (SHA-256 ${sha256}, expected ${file.sha256}); nothing kept`,
      'HASH_MISMATCH',
    );
  }
  await rename(temporary, target);
  return { ...base, status: 'downloaded' };
}
