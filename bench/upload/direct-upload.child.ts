import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

// The baseline of the upload benchmark: the file straight to S3 with lib-storage, in a process of
// its own so that its RSS is its own. Run as plain JavaScript (see direct-upload.bench.ts) and
// self-contained: it imports nothing from the repo, so no TypeScript compiler sits in its memory.
//
// Protocol, JSON lines on stdout, one word on stdin (the parent reads this process's memory from
// /proc between the steps):
//   → {"type":"ready"}              modules loaded, client built; parent samples idle RSS
//   ← go                            start the upload
//   → {"type":"progress","bytes"}   bytes sent so far, about once a part
//   → {"type":"done","durationMs"}  parent samples VmHWM, then closes stdin and we exit

export type DirectUploadJob = { file: string; bucket: string; key: string; partSize: number; queueSize: number; client: S3ClientConfig };
export type ChildMessage = { type: 'ready' } | { type: 'progress'; bytes: number } | { type: 'done'; durationMs: number };

const send = (message: ChildMessage) => process.stdout.write(`${JSON.stringify(message)}\n`);

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as DirectUploadJob;
  const client = new S3Client(job.client);
  const commands = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  send({ type: 'ready' });
  if ((await commands.next()).value !== 'go') return;

  const started = performance.now();
  const upload = new Upload({
    client,
    params: { Bucket: job.bucket, Key: job.key, Body: createReadStream(job.file) },
    partSize: job.partSize,
    queueSize: job.queueSize,
    leavePartsOnError: false,
  });
  let reported = 0;
  upload.on('httpUploadProgress', ({ loaded = 0 }) => {
    if (loaded - reported < job.partSize) return;
    send({ type: 'progress', bytes: loaded });
    reported = loaded;
  });
  await upload.done();
  send({ type: 'done', durationMs: performance.now() - started });

  await commands.next(); // until the parent has read our memory and closes stdin
  client.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`direct upload failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
