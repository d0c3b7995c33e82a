import { randomUUID } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  type CopyObjectCommandOutput,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { attachmentDisposition } from './content-disposition';
import { HashingMeter, hashStream } from './hashing-meter';
import { assertMaxBytes, assertValidKey, normaliseSha256, RESERVED_KEY_PREFIX } from './object-key';
import {
  type ListedObject,
  type ObjectRef,
  type ObjectStore,
  type OpenUpload,
  type PutOptions,
  type ResumableUploadStore,
  type Stage,
  STAGES,
  type StoredObject,
  type StoredPart,
} from './object-store.port';
import { httpStatusOf, isS3NotFound, toStorageError } from './s3-errors';
import { MAX_PARTS, MIN_PART_BYTES, multipartUpload, partSizeFor } from './s3-multipart-upload';
import { HashMismatchError, ObjectNotFoundError, ObjectTooLargeError, StorageUnavailableError } from './storage.errors';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
// S3 limit: CopyObject handles at most 5 GiB.
const MAX_SINGLE_COPY_BYTES = 5 * GiB;
// SigV4 presigned URLs live at most 7 days.
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export const DEFAULT_BUCKETS: Readonly<Record<Stage, string>> = {
  draft: 'airlock-draft',
  quarantine: 'airlock-quarantine',
  released: 'airlock-released',
  rejected: 'airlock-rejected',
  blocked: 'airlock-blocked',
  imported: 'airlock-imported',
};

export type S3ObjectStoreConfig = {
  endpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle?: boolean;
  buckets?: Record<Stage, string>;
  /** Address written into presigned URLs when users reach S3 by another name than the services do. */
  presignEndpoint?: string;
  /**
   * Multipart part size. Default 8 MiB (the S3 minimum is 5 MiB); raised for an upload whose
   * `maxBytes` would otherwise need more than 10,000 parts.
   */
  partSizeBytes?: number;
  /**
   * Part buffers per upload, so also parts in flight. Default 1: each part is read, then sent;
   * on loopback that keeps up with a direct SDK upload. With 2 the next part is read while one
   * is sent (for a distant S3 where each part's round trip dominates); each costs partSize of memory.
   */
  queueSize?: number;
  /** Objects larger than this are copied with UploadPartCopy. Default (and maximum) 5 GiB. */
  multipartCopyThresholdBytes?: number;
  /** Part size of a multipart copy. Default 512 MiB. */
  copyPartSizeBytes?: number;
  /** TCP connect timeout. Default 5 s. */
  connectTimeoutMs?: number;
  /** A socket idle this long is dropped (so a hung server fails, never hangs). Default 120 s. */
  socketTimeoutMs?: number;
  /** SDK attempts per request, including the first. Default 3. */
  maxAttempts?: number;
  /**
   * Ask S3 for the SHA-256 of what a copy wrote (CopyObject with a SHA-256 checksum): when it
   * answers with a full-object checksum, `copy` checks the hash against it instead of reading the
   * copy back. Default true; a server that refuses the request is asked without it from then on,
   * and a copy without that answer (a multipart copy, a server that ignores it) is read back.
   */
  copyChecksums?: boolean;
};

type BucketRef = { bucket: string; key: string };
type ReplaceHeaders = { Metadata: Record<string, string>; ContentType?: string };

/**
 * ObjectStore on any S3 API (AWS, MinIO, Ceph, versitygw). Uploads stream through a
 * hashing meter into a multipart upload, so memory stays flat whatever the file size.
 */
export class S3ObjectStore implements ObjectStore, ResumableUploadStore {
  private readonly client: S3Client;
  private readonly presignClient: S3Client;
  private readonly buckets: Record<Stage, string>;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly copyThreshold: number;
  private readonly copyPartSize: number;
  private copyChecksums: boolean;

  constructor(config: S3ObjectStoreConfig) {
    const makeClient = (endpoint: string | undefined): S3Client =>
      new S3Client({
        endpoint,
        region: config.region,
        forcePathStyle: config.forcePathStyle ?? true,
        credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
        maxAttempts: config.maxAttempts ?? 3,
        requestHandler: { connectionTimeout: config.connectTimeoutMs ?? 5_000, socketTimeout: config.socketTimeoutMs ?? 120_000 },
        // The SDK's default CRC trailers (aws-chunked bodies) are not understood by every
        // S3-compatible server; integrity comes from our own SHA-256 instead.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
    this.client = makeClient(config.endpoint);
    this.presignClient = config.presignEndpoint ? makeClient(config.presignEndpoint) : this.client;
    this.buckets = { ...DEFAULT_BUCKETS, ...config.buckets };
    this.partSize = Math.max(MIN_PART_BYTES, config.partSizeBytes ?? 8 * MiB);
    this.queueSize = Math.max(1, config.queueSize ?? 1);
    this.copyThreshold = Math.min(MAX_SINGLE_COPY_BYTES, config.multipartCopyThresholdBytes ?? MAX_SINGLE_COPY_BYTES);
    this.copyPartSize = Math.min(MAX_SINGLE_COPY_BYTES, Math.max(MIN_PART_BYTES, config.copyPartSizeBytes ?? 512 * MiB));
    this.copyChecksums = config.copyChecksums ?? true;
  }

  async ensureBuckets(): Promise<void> {
    await Promise.all(STAGES.map((stage) => this.ensureBucket(this.buckets[stage])));
  }

  async putStream(stage: Stage, key: string, body: Readable, opts: PutOptions): Promise<StoredObject> {
    assertValidKey(key);
    assertMaxBytes(opts.maxBytes);
    const bucket = this.buckets[stage];
    const meter = new HashingMeter(opts.maxBytes);
    // pipeline destroys the caller's body when the meter fails (too large) and vice versa;
    // the error itself surfaces through the meter's iterator below.
    pipeline(body, meter, () => undefined);
    const chunks: AsyncIterator<Buffer> = meter[Symbol.asyncIterator]();
    try {
      const head = await readUpTo(chunks, this.partSize);
      const headers = (sha256: string): ReplaceHeaders => ({
        Metadata: { ...opts.metadata, sha256 },
        ContentType: opts.contentType,
      });
      if (head.ended) {
        // Small body: the hash is known before the single PUT, so it goes in as metadata directly.
        const sha256 = meter.sha256();
        const result = await this.client.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.concat(head.buffers), ContentLength: head.bytes, ...headers(sha256) }),
        );
        return { key, sha256, size: head.bytes, ...(result.VersionId && { versionId: result.VersionId }) };
      }
      const whole = replay(head.buffers, chunks);
      const partSize = partSizeFor(this.partSize, opts.maxBytes);
      if (opts.hashInMetadata === false) return await this.putLargeDirect({ bucket, key }, whole, partSize, meter, opts);
      return await this.putLarge({ bucket, key }, whole, partSize, meter, headers, opts.contentType);
    } catch (error) {
      if (meter.exceeded) throw new ObjectTooLargeError(opts.maxBytes);
      // The caller's stream failed (e.g. the client went away): not S3's fault, pass it on as is.
      if (body.errored || (body.destroyed && !body.readableEnded)) throw body.errored ?? error;
      throw toStorageError(error, `upload to ${bucket}/${key}`);
    } finally {
      meter.destroy();
    }
  }

  async getStream(stage: Stage, key: string): Promise<Readable> {
    assertValidKey(key);
    const bucket = this.buckets[stage];
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!(result.Body instanceof Readable)) throw new Error(`S3 returned a non-stream body for ${bucket}/${key}`);
      return result.Body;
    } catch (error) {
      if (isS3NotFound(error)) throw new ObjectNotFoundError(stage, key);
      throw toStorageError(error, `download of ${bucket}/${key}`);
    }
  }

  async head(stage: Stage, key: string): Promise<StoredObject | undefined> {
    assertValidKey(key);
    const found = await this.headObject({ bucket: this.buckets[stage], key });
    if (!found) return undefined;
    // An object written around this store has no recorded hash: compute it rather than guess.
    const sha256 = found.Metadata?.sha256?.toLowerCase() ?? (await this.hash(stage, key)).sha256;
    return { key, sha256, size: found.ContentLength ?? 0, ...(found.VersionId && { versionId: found.VersionId }) };
  }

  async copy(from: ObjectRef, to: ObjectRef, expectedSha256: string): Promise<StoredObject> {
    assertValidKey(from.key);
    assertValidKey(to.key);
    const expected = normaliseSha256(expectedSha256);
    const source = await this.headObject({ bucket: this.buckets[from.stage], key: from.key });
    if (!source) throw new ObjectNotFoundError(from.stage, from.key);
    const recorded = source.Metadata?.sha256?.toLowerCase();
    // Cheap early refusal; the re-hash of the destination below is the real check.
    if (recorded && recorded !== expected) throw new HashMismatchError(expected, recorded, from.stage, from.key);

    const target = { bucket: this.buckets[to.stage], key: to.key };
    const size = source.ContentLength ?? 0;
    let copied: { versionId?: string; sha256?: string };
    try {
      copied = await this.serverSideCopy(
        { bucket: this.buckets[from.stage], key: from.key },
        target,
        size,
        {
          Metadata: { ...source.Metadata, sha256: expected },
          ContentType: source.ContentType,
        },
        { checksum: true },
      );
    } catch (error) {
      throw toStorageError(error, `copy ${from.stage}/${from.key} to ${to.stage}/${to.key}`);
    }
    const { versionId } = copied;

    // docs/design.md invariant 2 (frozen bytes): trust the copy only once its bytes are hashed:
    // by S3 as it wrote them (the copy's full-object SHA-256), or else by reading the copy back.
    let actual: { sha256: string; size: number };
    try {
      actual = copied.sha256 ? { sha256: copied.sha256, size } : await this.hash(to.stage, to.key);
    } catch (error) {
      await this.deleteQuietly(target, versionId);
      throw error;
    }
    if (actual.sha256 !== expected) {
      await this.deleteQuietly(target, versionId);
      throw new HashMismatchError(expected, actual.sha256, to.stage, to.key);
    }
    return { key: to.key, sha256: actual.sha256, size: actual.size, ...(versionId && { versionId }) };
  }

  async hash(stage: Stage, key: string): Promise<{ sha256: string; size: number }> {
    const body = await this.getStream(stage, key);
    try {
      return await hashStream(body);
    } catch (error) {
      throw toStorageError(error, `hashing ${this.buckets[stage]}/${key}`);
    } finally {
      body.destroy();
    }
  }

  async list(stage: Stage, prefix: string): Promise<ListedObject[]> {
    const bucket = this.buckets[stage];
    const listed: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.client
        .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token }))
        .catch((error: unknown) => {
          throw toStorageError(error, `listing ${bucket}/${prefix}`);
        });
      for (const o of page.Contents ?? []) {
        // Staging objects of a large put are ours, not callers' objects.
        if (!o.Key || o.Key.startsWith(RESERVED_KEY_PREFIX)) continue;
        listed.push({ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return listed;
  }

  async delete(stage: Stage, key: string): Promise<void> {
    assertValidKey(key);
    const bucket = this.buckets[stage];
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      if (isS3NotFound(error) && (error as { name?: string }).name !== 'NoSuchBucket') return;
      throw toStorageError(error, `delete of ${bucket}/${key}`);
    }
  }

  async presignGet(stage: Stage, key: string, ttlSeconds: number, downloadName?: string): Promise<string | undefined> {
    assertValidKey(key);
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_PRESIGN_SECONDS) {
      throw new RangeError(`ttlSeconds must be an integer in 1..${MAX_PRESIGN_SECONDS}, got ${ttlSeconds}`);
    }
    const command = new GetObjectCommand({
      Bucket: this.buckets[stage],
      Key: key,
      ...(downloadName !== undefined && { ResponseContentDisposition: attachmentDisposition(downloadName) }),
    });
    return getSignedUrl(this.presignClient, command, { expiresIn: ttlSeconds });
  }

  async ping(): Promise<boolean> {
    try {
      await Promise.all(STAGES.map((stage) => this.client.send(new HeadBucketCommand({ Bucket: this.buckets[stage] }))));
      return true;
    } catch {
      return false;
    }
  }

  async createUpload(stage: Stage, key: string): Promise<string> {
    assertValidKey(key);
    const bucket = this.buckets[stage];
    const result = await this.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key })).catch((error: unknown) => {
      throw toStorageError(error, `starting an upload to ${bucket}/${key}`);
    });
    if (!result.UploadId) throw new StorageUnavailableError(`S3 gave no upload id for ${bucket}/${key}`);
    return result.UploadId;
  }

  async uploadPart(stage: Stage, key: string, uploadId: string, partNumber: number, body: Buffer): Promise<StoredPart> {
    assertValidKey(key);
    const bucket = this.buckets[stage];
    try {
      const result = await this.client.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }),
      );
      return { partNumber, size: body.length, etag: result.ETag ?? '' };
    } catch (error) {
      if (isNoSuchUpload(error)) throw new ObjectNotFoundError(stage, key);
      throw toStorageError(error, `part ${partNumber} of ${bucket}/${key}`);
    }
  }

  async listParts(stage: Stage, key: string, uploadId: string): Promise<StoredPart[]> {
    assertValidKey(key);
    const bucket = this.buckets[stage];
    const parts: StoredPart[] = [];
    let marker: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }));
        for (const p of page.Parts ?? []) {
          if (p.PartNumber !== undefined) parts.push({ partNumber: p.PartNumber, size: p.Size ?? 0, etag: p.ETag ?? '' });
        }
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker);
    } catch (error) {
      if (isNoSuchUpload(error)) throw new ObjectNotFoundError(stage, key);
      throw toStorageError(error, `listing the parts of ${bucket}/${key}`);
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async completeUpload(stage: Stage, key: string, uploadId: string, parts: readonly StoredPart[]): Promise<void> {
    assertValidKey(key);
    const bucket = this.buckets[stage];
    const Parts = [...parts].sort((a, b) => a.partNumber - b.partNumber).map((p) => ({ PartNumber: p.partNumber, ETag: p.etag }));
    await this.client
      .send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts } }))
      .catch((error: unknown) => {
        if (isNoSuchUpload(error)) throw new ObjectNotFoundError(stage, key);
        throw toStorageError(error, `completing ${bucket}/${key}`);
      });
  }

  async abortUpload(stage: Stage, key: string, uploadId: string): Promise<void> {
    assertValidKey(key);
    const bucket = this.buckets[stage];
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch((error: unknown) => {
      if (isNoSuchUpload(error)) return;
      throw toStorageError(error, `aborting the upload of ${bucket}/${key}`);
    });
  }

  async listOpenUploads(stage: Stage, prefix: string): Promise<OpenUpload[]> {
    const bucket = this.buckets[stage];
    const open: OpenUpload[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.client
        .send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix || undefined, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }))
        .catch((error: unknown) => {
          throw toStorageError(error, `listing the open uploads of ${bucket}/${prefix}`);
        });
      for (const u of page.Uploads ?? []) {
        // Uploads of our own staging objects are the adapter's business (aborted on failure).
        if (!u.Key || !u.UploadId || u.Key.startsWith(RESERVED_KEY_PREFIX)) continue;
        open.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated ?? new Date(0) });
      }
      const more = page.IsTruncated === true;
      keyMarker = more ? page.NextKeyMarker : undefined;
      uploadIdMarker = more ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return open;
  }

  /** Releases the SDK's sockets (tests, shutdown hooks). */
  close(): void {
    this.client.destroy();
    if (this.presignClient !== this.client) this.presignClient.destroy();
  }

  private async ensureBucket(bucket: string): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
      return;
    } catch (error) {
      if (!isS3NotFound(error)) throw toStorageError(error, `checking bucket ${bucket}`);
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      // Another instance created it between our HEAD and CREATE: that is success.
      const name = (error as { name?: string }).name;
      if (name === 'BucketAlreadyOwnedByYou') return;
      if (name === 'BucketAlreadyExists') {
        await this.client.send(new HeadBucketCommand({ Bucket: bucket })).catch((headError: unknown) => {
          throw toStorageError(headError, `checking bucket ${bucket}`);
        });
        return;
      }
      throw toStorageError(error, `creating bucket ${bucket}`);
    }
  }

  private async headObject(ref: BucketRef): Promise<HeadObjectCommandOutput | undefined> {
    try {
      return await this.client.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    } catch (error) {
      if (isS3NotFound(error)) return undefined;
      throw toStorageError(error, `head of ${ref.bucket}/${ref.key}`);
    }
  }

  /** A multipart upload straight onto its key; the caller keeps the hash (see PutOptions.hashInMetadata). */
  private async putLargeDirect(target: BucketRef, body: AsyncIterator<Buffer>, partSize: number, meter: HashingMeter, opts: PutOptions): Promise<StoredObject> {
    const { versionId } = await multipartUpload(this.client, { ...target, contentType: opts.contentType, metadata: opts.metadata }, body, {
      partSize,
      buffers: this.queueSize,
    });
    return { key: target.key, sha256: meter.sha256(), size: meter.bytes, ...(versionId && { versionId }) };
  }

  /**
   * A multipart upload's metadata is fixed when it starts, before the hash is known. So a
   * large body goes to a staging key first and is then copied server-side onto the real
   * key with its sha256: readers never see the object without its recorded hash.
   */
  private async putLarge(
    target: BucketRef,
    body: AsyncIterator<Buffer>,
    partSize: number,
    meter: HashingMeter,
    headers: (sha256: string) => ReplaceHeaders,
    contentType: string | undefined,
  ): Promise<StoredObject> {
    const staging = { bucket: target.bucket, key: `${RESERVED_KEY_PREFIX}staging/${randomUUID()}` };
    // Aborted on any failure (including our meter cutting the body off): no parts are left behind.
    await multipartUpload(this.client, { ...staging, contentType }, body, { partSize, buffers: this.queueSize });
    const sha256 = meter.sha256();
    const size = meter.bytes;
    try {
      const { versionId } = await this.serverSideCopy(staging, target, size, headers(sha256));
      return { key: target.key, sha256, size, ...(versionId && { versionId }) };
    } finally {
      // Best effort: a leftover staging object holds no visible data; a lifecycle rule on
      // the `.airlock-staging/` prefix sweeps any a crash leaves behind.
      await this.deleteQuietly(staging, undefined);
    }
  }

  /**
   * Server-side copy replacing the metadata; returns the new version id when the bucket is
   * versioned and, when asked for (`checksum`) and S3 gives it, the SHA-256 (hex) of the bytes it wrote.
   */
  private async serverSideCopy(
    from: BucketRef,
    to: BucketRef,
    size: number,
    headers: ReplaceHeaders,
    options: { checksum?: boolean } = {},
  ): Promise<{ versionId?: string; sha256?: string }> {
    if (size > this.copyThreshold) return { versionId: await this.multipartCopy(from, to, size, headers) };
    const command = (checksum: boolean) =>
      new CopyObjectCommand({
        Bucket: to.bucket,
        Key: to.key,
        CopySource: copySource(from),
        MetadataDirective: 'REPLACE',
        ...headers,
        ...(checksum && { ChecksumAlgorithm: 'SHA256' as const }),
      });
    let withChecksum = options.checksum === true && this.copyChecksums;
    let result: CopyObjectCommandOutput;
    try {
      result = await this.client.send(command(withChecksum));
    } catch (error) {
      // A server that does not know copy checksums (400 or 501): ask without from now on.
      const status = httpStatusOf(error);
      if (!withChecksum || (status !== 400 && status !== 501)) throw error;
      result = await this.client.send(command(false));
      withChecksum = false; // whatever this answer holds, it was not asked for
      this.copyChecksums = false;
    }
    const checksum = result.CopyObjectResult?.ChecksumSHA256;
    const fullObject = result.CopyObjectResult?.ChecksumType === undefined || result.CopyObjectResult.ChecksumType === 'FULL_OBJECT';
    // A composite checksum (`<base64>-<parts>`) is a checksum of part checksums, not of the bytes.
    const sha256 = withChecksum && checksum && fullObject && !checksum.includes('-') ? Buffer.from(checksum, 'base64').toString('hex') : undefined;
    return { versionId: result.VersionId, ...(sha256?.length === 64 && { sha256 }) };
  }

  private async multipartCopy(from: BucketRef, to: BucketRef, size: number, headers: ReplaceHeaders): Promise<string | undefined> {
    const partSize = Math.max(this.copyPartSize, Math.ceil(size / MAX_PARTS));
    const ranges = Array.from({ length: Math.ceil(size / partSize) }, (_, i) => ({
      partNumber: i + 1,
      range: `bytes=${i * partSize}-${Math.min(size, (i + 1) * partSize) - 1}`,
    }));
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, ...headers }));
    try {
      const parts = await mapWithConcurrency(ranges, 4, async ({ partNumber, range }) => {
        const result = await this.client.send(
          new UploadPartCopyCommand({ Bucket: to.bucket, Key: to.key, UploadId, PartNumber: partNumber, CopySource: copySource(from), CopySourceRange: range }),
        );
        return { PartNumber: partNumber, ETag: result.CopyPartResult?.ETag };
      });
      const done = await this.client.send(new CompleteMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId, MultipartUpload: { Parts: parts } }));
      return done.VersionId;
    } catch (error) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId })).catch(() => undefined);
      throw error;
    }
  }

  private async deleteQuietly(ref: BucketRef, versionId: string | undefined): Promise<void> {
    // With a version id this removes exactly the version we wrote, not a delete marker on top of it.
    await this.client.send(new DeleteObjectCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: versionId })).catch(() => undefined);
  }
}

const isNoSuchUpload = (error: unknown) => (error as { name?: string }).name === 'NoSuchUpload' || httpStatusOf(error) === 404;

function copySource(ref: BucketRef): string {
  return `${ref.bucket}/${ref.key.split('/').map(encodeURIComponent).join('/')}`;
}

async function readUpTo(chunks: AsyncIterator<Buffer>, limit: number): Promise<{ buffers: Buffer[]; bytes: number; ended: boolean }> {
  const buffers: Buffer[] = [];
  let bytes = 0;
  while (bytes <= limit) {
    const next = await chunks.next();
    if (next.done) return { buffers, bytes, ended: true };
    buffers.push(next.value);
    bytes += next.value.length;
  }
  return { buffers, bytes, ended: false };
}

/** Runs `work` over `items`, `limit` at a time; on failure lets in-flight work settle first, then throws. */
async function mapWithConcurrency<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejection = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejection) throw rejection.reason;
  return results;
}

/** The first part already read, then the rest of the body. */
async function* replay(head: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* head.splice(0);
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}
