import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { HeadObjectCommand, type S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { transformFileSync } from '@swc/core';
import { startProgress, type Progress } from '../lib/progress';
import { readMemory } from '../lib/rss';
import { deletePrefix } from '../lib/s3';
import type { TestFile } from '../lib/test-file';
import type { ChildMessage, DirectUploadJob } from './direct-upload.child';
import type { UploadMeasurement } from './upload-measurement';

// The baseline side: each run is a fresh `node` process that uploads the file with lib-storage
// (direct-upload.child.ts). The child runs as plain JavaScript, compiled here once, because an
// in-process TypeScript loader (@swc-node/register, which loads typescript and @swc/core) would
// add its own ~85 MiB to the baseline (measured here: 61 MiB without it, 146 MiB with it).

export type DirectUploadOptions = {
  outDir: string;
  /** The uploads' client settings, and a client in this process to delete what they wrote. */
  client: S3ClientConfig;
  s3: S3Client;
  bucket: string;
  keyPrefix: string;
  partSize: number;
  queueSize: number;
};

export class DirectUploadBench {
  private readonly childJs: string;

  constructor(private readonly options: DirectUploadOptions) {
    mkdirSync(options.outDir, { recursive: true });
    this.childJs = path.join(options.outDir, 'direct-upload.child.js');
    const { code } = transformFileSync(path.join(__dirname, 'direct-upload.child.ts'), {
      swcrc: false,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    });
    writeFileSync(this.childJs, code);
  }

  async upload(file: TestFile, run: number): Promise<UploadMeasurement> {
    const job: DirectUploadJob = {
      file: file.path,
      bucket: this.options.bucket,
      key: `${this.options.keyPrefix}${randomUUID()}`,
      partSize: this.options.partSize,
      queueSize: this.options.queueSize,
      client: this.options.client,
    };
    // bench/out/ is inside the repo, so the child resolves @aws-sdk/* from the repo's node_modules.
    const child = spawn(process.execPath, [this.childJs, JSON.stringify(job)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const pid = child.pid as number;
    const messages = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async (): Promise<ChildMessage> => {
      const line = await messages.next();
      if (line.done) throw new Error(`direct upload child exited with ${await exited} before finishing`);
      return JSON.parse(line.value) as ChildMessage;
    };
    let progress: Progress | undefined;
    try {
      if ((await next()).type !== 'ready') throw new Error('direct upload child: expected ready');
      const idleRssBytes = readMemory(pid).rssBytes;
      child.stdin.write('go\n');
      progress = startProgress(`direct  run ${run}`, file.bytes, () => readMemory(pid).rssBytes);
      let message = await next();
      for (; message.type === 'progress'; message = await next()) progress.update(message.bytes);
      if (message.type !== 'done') throw new Error(`direct upload child: unexpected ${message.type}`);
      const peakRssBytes = readMemory(pid).peakRssBytes;
      progress.update(file.bytes);
      child.stdin.end();
      const code = await exited;
      if (code !== 0) throw new Error(`direct upload child exited with ${code}`);
      // A short upload would look fast: check that all of it arrived.
      const stored = await this.options.s3.send(new HeadObjectCommand({ Bucket: job.bucket, Key: job.key }));
      if (stored.ContentLength !== file.bytes) throw new Error(`direct upload stored ${stored.ContentLength} bytes of ${file.bytes}`);
      return { side: 'direct', run, bytes: file.bytes, durationMs: message.durationMs, idleRssBytes, peakRssBytes };
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    } finally {
      progress?.stop();
      await deletePrefix(this.options.s3, this.options.bucket, job.key);
    }
  }
}
