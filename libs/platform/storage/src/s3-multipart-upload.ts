import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompletedPart,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

const MiB = 1024 * 1024;
const TiB = 1024 * 1024 * MiB;
// S3 limits: parts of at least 5 MiB (except the last), at most 10,000 parts, objects of at most 5 TiB.
export const MIN_PART_BYTES = 5 * MiB;
export const MAX_PARTS = 10_000;
const MAX_OBJECT_BYTES = 5 * TiB;
/** How long a failed upload lets its parts in flight finish before cancelling them. */
const PARTS_SETTLE_MS = 5_000;

export type MultipartTarget = { bucket: string; key: string; contentType?: string; metadata?: Record<string, string> };

export type MultipartOptions = {
  /** Bytes per part; every part but the last is exactly this long. */
  partSize: number;
  /** Part buffers, so also parts in flight. 1: each part is read, then sent. 2: the next is read while one is sent. */
  buffers: number;
};

/**
 * The part size for an upload of at most `maxBytes`: the configured one, raised when needed so
 * that the largest body S3 could store still fits in 10,000 parts.
 */
export function partSizeFor(configured: number, maxBytes: number): number {
  const needed = Math.ceil(Math.min(maxBytes, MAX_OBJECT_BYTES) / MAX_PARTS / MiB) * MiB;
  return Math.max(MIN_PART_BYTES, configured, needed);
}

/**
 * Streams `chunks` into a multipart upload through a fixed set of part buffers, reused part
 * after part, so memory is `buffers x partSize` whatever the body's length (lib-storage
 * concatenates a fresh buffer per part and leaves them to the garbage collector). The object
 * becomes visible only at CompleteMultipartUpload, after the body has ended cleanly; on any
 * failure the parts in flight are let finish (or cancelled after a few seconds) and the upload is
 * aborted until S3 no longer lists it, so neither an object nor parts are left behind.
 */
export async function multipartUpload(
  client: S3Client,
  target: MultipartTarget,
  chunks: AsyncIterator<Buffer>,
  opts: MultipartOptions,
): Promise<{ versionId?: string }> {
  const { bucket, key } = target;
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: target.contentType, Metadata: target.metadata }),
  );
  if (!UploadId) throw new Error(`CreateMultipartUpload of ${bucket}/${key} returned no UploadId`);
  const cancel = new AbortController();
  // Oldest first. Each settles with its buffer, which is refilled only then: the SDK reads it
  // until the part is stored, retries included.
  const inFlight: Promise<{ buffer: Buffer; part: CompletedPart }>[] = [];
  const free: Buffer[] = [];
  let allocated = 0;
  const parts: CompletedPart[] = [];
  try {
    const filler = new PartFiller(chunks);
    for (let partNumber = 1; ; partNumber++) {
      if (free.length === 0 && allocated < Math.max(1, opts.buffers)) {
        // Not zero-filled: only the bytes filled from the body are ever sent.
        free.push(Buffer.allocUnsafeSlow(opts.partSize));
        allocated++;
      }
      while (free.length === 0) {
        const settled = await (inFlight.shift() as Promise<{ buffer: Buffer; part: CompletedPart }>);
        parts.push(settled.part);
        free.push(settled.buffer);
      }
      const buffer = free.pop() as Buffer;
      const length = await filler.fill(buffer);
      // A body that ends on a part boundary leaves nothing for a last part; S3 takes no empty part.
      if (length === 0) break;
      if (partNumber > MAX_PARTS) throw new RangeError(`${bucket}/${key}: the body needs more than ${MAX_PARTS} parts of ${opts.partSize} bytes`);
      const sent = client
        .send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: partNumber, Body: buffer.subarray(0, length), ContentLength: length }), {
          abortSignal: cancel.signal,
        })
        .then((result) => ({ buffer, part: { PartNumber: partNumber, ETag: result.ETag } }));
      // Handled here too, so a part failing while we wait for the body is no unhandled
      // rejection; it is awaited (and fails the upload) all the same.
      sent.catch(() => undefined);
      inFlight.push(sent);
      if (length < buffer.length) break;
    }
    for (const settled of await Promise.all(inFlight)) parts.push(settled.part);
    const done = await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    return { ...(done.VersionId && { versionId: done.VersionId }) };
  } catch (error) {
    // Parts still being sent must be over before the abort, or S3 may keep one it received after it.
    // They are let finish (a few seconds at most) rather than cancelled: a part the client gives up
    // on can still be written by the server after the abort (seen with the local server under load).
    const settled = Promise.allSettled(inFlight);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled, new Promise((resolve) => (timer = setTimeout(resolve, PARTS_SETTLE_MS)))]);
    clearTimeout(timer);
    cancel.abort();
    await settled;
    await abortFully(client, bucket, key, UploadId);
    throw error;
  }
}

/**
 * Aborts the upload until S3 no longer knows it. A part the client gave up on may still be
 * written by the server after the first abort (S3's documentation says so, and the local server
 * did it under load, leaving a pending upload behind): so the upload is listed again and aborted
 * again, a few times, with a short pause. Best effort: a lifecycle rule sweeps what is left.
 */
async function abortFully(client: S3Client, bucket: string, key: string, uploadId: string): Promise<void> {
  for (let attempt = 1; attempt <= 4; attempt++) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    const gone = await client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).then(
      () => false,
      (error: unknown) =>
        (error as { name?: string }).name === 'NoSuchUpload' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404,
    );
    if (gone) return;
    await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
  }
}

/** Copies a stream of chunks into part buffers, carrying the rest of a chunk that did not fit over to the next part. */
class PartFiller {
  private carry: Buffer | undefined;
  private ended = false;

  constructor(private readonly chunks: AsyncIterator<Buffer>) {}

  /** Fills `part` as far as the body goes; fewer bytes than its length only at the end of the body. */
  async fill(part: Buffer): Promise<number> {
    let filled = 0;
    while (filled < part.length) {
      if (this.carry === undefined) {
        if (this.ended) break;
        const next = await this.chunks.next();
        if (next.done) {
          this.ended = true;
          break;
        }
        this.carry = next.value;
      }
      const copied = this.carry.copy(part, filled);
      filled += copied;
      this.carry = copied < this.carry.length ? this.carry.subarray(copied) : undefined;
    }
    return filled;
  }
}
