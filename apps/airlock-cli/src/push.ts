import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { collectLocalFiles, localFileInput, LocalFilesError, type LocalFile } from '@airlock/disclosure-files';
import { checkFiles, type DisclosurePolicy, type FileResult } from '@airlock/disclosure-rules';
import { ApiProblem, type Api, type RequestView, type UploadSession } from './api';
import { CliError, EXIT, firstDuplicate, partsToSend, uploadName, type ExitCode } from './cli-core';
import type { PushProgress } from './progress';

export type PushFile = { name: string; path: string; size: number };

export type FileOutcome = {
  name: string;
  size: number;
  sha256?: string;
  fileId?: string;
  /** uploaded: sent whole now; resumed: an earlier attempt's confirmed parts were kept; unchanged: the request already holds these bytes. */
  status: 'uploaded' | 'resumed' | 'unchanged' | 'failed';
  partCount?: number;
  partsSent: number;
  partsSkipped: number;
  bytesSent: number;
  error?: { message: string; code?: string; exitCode: ExitCode };
};

export type LocalCheck = { name: string; verdict: string; findings: { rule: string; verdict: string; message: string }[] };

/** The files named on the command line, each with its name in the request (see uploadName). */
export async function collectPushFiles(args: readonly string[], cwd: string): Promise<PushFile[]> {
  const files: PushFile[] = [];
  for (const arg of args) {
    const full = path.resolve(cwd, arg);
    const info = await stat(full).catch(() => undefined);
    if (!info) throw new CliError(EXIT.usage, `No such file or folder: ${arg}`);
    let found: LocalFile[];
    try {
      found = await collectLocalFiles([full], cwd);
    } catch (error) {
      if (error instanceof LocalFilesError) throw new CliError(EXIT.usage, error.message);
      throw error;
    }
    for (const f of found)
      files.push({ name: uploadName(info.isDirectory() ? path.relative(full, f.path) : path.basename(f.path)), path: f.path, size: f.size });
  }
  const duplicate = firstDuplicate(files.map((f) => f.name));
  if (duplicate) throw new CliError(EXIT.usage, `Two files would both be named ${duplicate} in the request; push them separately or rename one`);
  const empty = files.find((f) => f.size === 0);
  if (empty) throw new CliError(EXIT.usage, `${empty.name} is empty; an empty file cannot be submitted`);
  return files;
}

/** The disclosure checks the service will run, here first, on the files as they will be named in the request. */
export async function localChecks(files: readonly PushFile[], policy: DisclosurePolicy): Promise<LocalCheck[]> {
  const results: FileResult[] = await checkFiles(
    files.map((f) => localFileInput({ name: f.name, path: f.path, size: f.size })),
    policy,
  );
  return results.map((r) => ({
    name: r.name,
    verdict: r.verdict,
    findings: r.findings.map((f) => ({ rule: f.rule, verdict: f.verdict, message: f.message })),
  }));
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export type PushOptions = { group: string; kind: string; parallel: number; signal: AbortSignal; progress: PushProgress };

/**
 * Uploads each file in parts, several files at once. A file the request already holds with the
 * same SHA-256 is left as it is; an unfinished upload of the same name, size and SHA-256 (an
 * earlier push cut by Ctrl-C or a lost connection) is resumed: only the parts the server has not
 * confirmed are sent. Completion has the server hash the assembled file against ours.
 */
export async function pushFiles(api: Api, requestId: string, files: readonly PushFile[], options: PushOptions): Promise<FileOutcome[]> {
  const request = await api.getRequest(requestId);
  const open = await api.listUploads(requestId).catch((error: unknown) => {
    if (error instanceof ApiProblem && error.code === 'RESUMABLE_UPLOADS_UNAVAILABLE') return [];
    throw error;
  });
  const outcomes: FileOutcome[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length && !options.signal.aborted) {
      const index = next++;
      outcomes[index] = await pushOne(api, request, open, files[index], options);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel, files.length)) }, worker));
  if (options.signal.aborted) throw new CliError(EXIT.interrupted, 'Interrupted: run the same command again to continue from the last confirmed part');
  return outcomes;
}

async function pushOne(api: Api, request: RequestView, open: UploadSession[], file: PushFile, options: PushOptions): Promise<FileOutcome> {
  const outcome: FileOutcome = { name: file.name, size: file.size, status: 'uploaded', partsSent: 0, partsSkipped: 0, bytesSent: 0 };
  try {
    const sha256 = await sha256File(file.path);
    outcome.sha256 = sha256;
    const existing = request.files.find((f) => f.name === file.name);
    if (existing) {
      if (existing.sha256 !== sha256) {
        throw new CliError(EXIT.refused, `The request already holds a different ${file.name}; remove it first or rename yours`, 'FILE_NAME_TAKEN');
      }
      options.progress.file(file.name, file.size, file.size);
      options.progress.done(file.name, 'already in the request, unchanged');
      return { ...outcome, status: 'unchanged', fileId: existing.fileId };
    }
    let session = open.find((u) => u.name === file.name && u.size === file.size && u.sha256 === sha256 && u.group === options.group && u.kind === options.kind);
    // An unfinished upload of this name with other bytes (the file changed since) goes.
    for (const stale of open.filter((u) => u.name === file.name && u !== session)) await api.abortUpload(request.requestId, stale.uploadId);
    if (session) outcome.status = 'resumed';
    else {
      try {
        session = await api.startUpload(request.requestId, { name: file.name, size: file.size, sha256, group: options.group, kind: options.kind });
      } catch (error) {
        if (error instanceof ApiProblem && error.code === 'RESUMABLE_UPLOADS_UNAVAILABLE')
          return await pushWhole(api, request.requestId, file, sha256, options, outcome);
        throw error;
      }
    }
    const toSend = partsToSend(file.size, session.partSize, session.parts);
    outcome.partCount = session.partCount;
    outcome.partsSkipped = session.partCount - toSend.length;
    if (outcome.partsSkipped === 0) outcome.status = 'uploaded';
    options.progress.file(file.name, file.size, file.size - toSend.reduce((sum, r) => sum + (r.end - r.start), 0));
    const handle = await open_(file.path);
    try {
      for (const range of toSend) {
        if (options.signal.aborted) throw new CliError(EXIT.interrupted, 'Interrupted');
        const bytes = Buffer.allocUnsafe(range.end - range.start);
        const { bytesRead } = await handle.read(bytes, 0, bytes.length, range.start);
        if (bytesRead !== bytes.length) throw new CliError(EXIT.usage, `${file.name} changed while it was being sent; push it again`);
        const digest = createHash('sha256').update(bytes).digest('base64');
        await api.putPart(request.requestId, session.uploadId, range.partNumber, bytes, digest, options.signal);
        outcome.partsSent += 1;
        outcome.bytesSent += bytes.length;
        options.progress.bytes(file.name, bytes.length);
      }
    } finally {
      await handle.close();
    }
    const completed = await api.completeUpload(request.requestId, session.uploadId, sha256);
    outcome.fileId = completed.file.fileId;
    options.progress.done(file.name, `done, SHA-256 verified by the server (${sha256.slice(0, 12)}…)`);
    return outcome;
  } catch (error) {
    if (error instanceof CliError && error.exitCode === EXIT.interrupted) throw error;
    const failure = error instanceof CliError ? error : new CliError(EXIT.error, (error as Error).message);
    const hint =
      error instanceof ApiProblem && error.code === 'UNKNOWN_GROUP'
        ? ` (define it first: airlock group set ${request.requestId} ${options.group} --context ... --controls ...)`
        : '';
    options.progress.failed(file.name, failure.message + hint);
    return { ...outcome, status: 'failed', error: { message: failure.message + hint, code: failure.code, exitCode: failure.exitCode } };
  }
}

const open_ = (file: string) => open(file, 'r');

/**
 * A server whose object store takes no parts (the local-disk store of `npm start`): the file goes
 * in one streamed request, not resumable. The SHA-256 the server computed must be ours, or the file
 * is removed from the request again.
 */
async function pushWhole(api: Api, requestId: string, file: PushFile, sha256: string, options: PushOptions, outcome: FileOutcome): Promise<FileOutcome> {
  options.progress.file(file.name, file.size, 0);
  async function* counted() {
    for await (const chunk of createReadStream(file.path, { highWaterMark: 1 << 20 })) {
      if (options.signal.aborted) throw new CliError(EXIT.interrupted, 'Interrupted');
      options.progress.bytes(file.name, (chunk as Buffer).length);
      yield chunk as Buffer;
    }
  }
  const { file: stored } = await api.putFileStream(requestId, file.name, counted(), file.size, { group: options.group, kind: options.kind });
  if (stored.sha256 !== sha256) {
    await api.removeFile(requestId, stored.fileId);
    throw new CliError(EXIT.verification, `${file.name}: the server stored other bytes (SHA-256 ${stored.sha256}); removed again`, 'HASH_MISMATCH');
  }
  options.progress.done(file.name, `done in one piece (this server takes no parts), SHA-256 verified`);
  return { ...outcome, status: 'uploaded', fileId: stored.fileId, partCount: 1, partsSent: 1, bytesSent: file.size };
}
