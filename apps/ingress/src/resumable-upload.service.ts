import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { RequestError, isAccredited, type Actor, type FileKind, type RequestState } from '@airlock/domain';
import { HttpProblem } from '@airlock/http';
import type { RequestCommandHandler } from '@airlock/application';
import { ObjectNotFoundError, type ObjectStore, type ResumableUploadStore, type StoredPart } from '@airlock/storage';
import type { Logger } from 'pino';
import type { UploadService } from './upload.service';

// S3 allows at most 10,000 parts per upload.
const MAX_PARTS = 10_000;
const MiB = 1024 * 1024;
// A manifest is a few hundred bytes; anything longer was not written by us.
const MAX_MANIFEST_BYTES = 16 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PART_NUMBER = /^[1-9][0-9]{0,4}$/;
// RFC 9530 Content-Digest, the SHA-256 member: `sha-256=:<base64>:`.
const SHA256_DIGEST = /(?:^|,)\s*sha-256=:([A-Za-z0-9+/]{43}=):\s*(?:,|$)/i;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * `bufferBytes`: parts are held whole while their length and SHA-256 are checked, so the bytes held
 * at once across all parts arriving in this process are bounded; past it a part is refused with 503
 * UPLOADS_BUSY (clients send it again shortly) rather than letting a burst exhaust memory.
 */
export type ResumableLimits = { maxUploadBytes: number; partBytes: number; expiryMs: number; bufferBytes?: number };
const DEFAULT_BUFFER_BYTES = 256 * 1024 * 1024;

/** What the draft bucket keeps beside an open multipart upload (`requests/<id>/uploads/<uploadId>`). */
export type UploadManifest = {
  uploadId: string;
  storeUploadId: string;
  requestId: string;
  authorId: string;
  name: string;
  group: string;
  kind: FileKind;
  size: number;
  /** The SHA-256 the client declared for the whole file; completion refuses an object that differs. */
  sha256: string;
  partSize: number;
  createdAt: string;
};

export type UploadSessionView = {
  uploadId: string;
  name: string;
  group: string;
  kind: FileKind;
  size: number;
  sha256: string;
  partSize: number;
  partCount: number;
  /** Parts the store holds, each checked against its SHA-256 when it arrived. */
  parts: { partNumber: number; size: number }[];
  bytesConfirmed: number;
  createdAt: string;
  expiresAt: string;
};

export const draftKeyOf = (requestId: string, uploadId: string) => `requests/${requestId}/draft/${uploadId}`;
export const manifestKeyOf = (requestId: string, uploadId: string) => `requests/${requestId}/uploads/${uploadId}`;
export const MANIFEST_KEY = /^requests\/([^/]+)\/uploads\/([^/]+)$/;

/** The part size for a file: the configured one, raised (in whole MiB) when the file would need more than 10,000 parts. */
export function partSizeFor(size: number, configured: number): number {
  const needed = Math.ceil(size / MAX_PARTS);
  return needed <= configured ? configured : Math.ceil(needed / MiB) * MiB;
}

const partCountOf = (m: Pick<UploadManifest, 'size' | 'partSize'>) => Math.ceil(m.size / m.partSize);
const partLengthOf = (m: Pick<UploadManifest, 'size' | 'partSize'>, partNumber: number) => Math.min(m.partSize, m.size - (partNumber - 1) * m.partSize);

const notFound = () => new HttpProblem(404, 'UPLOAD_NOT_FOUND', 'No such upload in progress for this request');

/**
 * Resumable uploads (issue 13): a file sent in parts, S3 multipart behind it. Every call is
 * authorised as a streamed upload is (the request's author, accredited, in a state that takes
 * files); each part is checked for its exact length and SHA-256 before it reaches the store, so a
 * stored part is a confirmed part; completion hashes the assembled object and records it through
 * the same FileUploaded path as a streamed upload, so submit freezes it the same way.
 */
export class ResumableUploadService {
  private buffered = 0;

  constructor(
    private readonly requests: RequestCommandHandler,
    private readonly store: ObjectStore,
    private readonly parts: ResumableUploadStore | undefined,
    private readonly uploads: UploadService,
    private readonly limits: ResumableLimits,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async start(
    requestId: string,
    actor: Actor,
    file: { name: string; group: string; kind: FileKind; size: number; sha256: string },
  ): Promise<UploadSessionView> {
    const parts = this.available();
    if (!SHA256_HEX.test(file.sha256)) throw new HttpProblem(400, 'INVALID_BODY', 'sha256 must be 64 lower-case hex digits');
    const uploadId = randomUUID();
    const { state } = await this.requests.load(requestId);
    await this.uploads.precheck(state, actor, { fileId: uploadId, name: file.name, group: file.group, kind: file.kind });
    if (file.size > this.limits.maxUploadBytes) {
      throw new HttpProblem(413, 'UPLOAD_TOO_LARGE', `Uploads are limited to ${this.limits.maxUploadBytes} bytes`);
    }
    const storeUploadId = await parts.createUpload('draft', draftKeyOf(requestId, uploadId));
    const manifest: UploadManifest = {
      uploadId,
      storeUploadId,
      requestId,
      authorId: actor.userId,
      ...file,
      partSize: partSizeFor(file.size, this.limits.partBytes),
      createdAt: this.clock().toISOString(),
    };
    const json = Buffer.from(JSON.stringify(manifest));
    await this.store.putStream('draft', manifestKeyOf(requestId, uploadId), Readable.from([json]), {
      maxBytes: MAX_MANIFEST_BYTES,
      contentType: 'application/json',
    });
    this.logger.info({ requestId, uploadId, size: file.size, partSize: manifest.partSize }, 'resumable upload started');
    return this.view(manifest, []);
  }

  /** The author's open uploads on this request (a client finds the one to resume by name and size). */
  async list(requestId: string, actor: Actor): Promise<UploadSessionView[]> {
    const parts = this.available();
    await this.authorOnly(requestId, actor);
    const listed = await this.store.list('draft', `requests/${requestId}/uploads/`);
    const views: UploadSessionView[] = [];
    for (const object of listed) {
      const manifest = await this.readManifest(requestId, MANIFEST_KEY.exec(object.key)?.[2] ?? '').catch(() => undefined);
      if (!manifest) continue;
      const stored = await parts.listParts('draft', draftKeyOf(requestId, manifest.uploadId), manifest.storeUploadId).catch(() => undefined);
      if (stored) views.push(this.view(manifest, stored));
    }
    return views;
  }

  async get(requestId: string, actor: Actor, uploadId: string): Promise<UploadSessionView> {
    const parts = this.available();
    const { manifest } = await this.authorised(requestId, actor, uploadId);
    return this.view(manifest, await this.storedParts(parts, manifest));
  }

  /**
   * One part, whole: exactly its length (the part size, or the rest for the last part) and the
   * SHA-256 the client declares in Content-Digest. Held in memory (at most the part size limit)
   * so that a part that fails either check never reaches the store.
   */
  async putPart(requestId: string, actor: Actor, uploadId: string, partNumberText: string, body: Readable, declared: { length?: number; digest?: string }) {
    const parts = this.available();
    const { manifest } = await this.authorised(requestId, actor, uploadId);
    const partCount = partCountOf(manifest);
    if (!PART_NUMBER.test(partNumberText) || Number(partNumberText) > partCount) {
      throw new HttpProblem(400, 'INVALID_PART_NUMBER', `Part numbers of this upload are 1-${partCount}`, { partCount });
    }
    const partNumber = Number(partNumberText);
    const digest = parseDigest(declared.digest);
    const expected = partLengthOf(manifest, partNumber);
    if (declared.length !== undefined && declared.length > expected) {
      throw new HttpProblem(413, 'PART_TOO_LARGE', `Part ${partNumber} is ${expected} bytes`, { expectedSize: expected });
    }
    const budget = this.limits.bufferBytes ?? DEFAULT_BUFFER_BYTES;
    if (this.buffered + expected > budget) {
      throw new HttpProblem(503, 'UPLOADS_BUSY', 'Too many parts are arriving at once; send this part again shortly');
    }
    this.buffered += expected;
    try {
      const bytes = await readExactly(body, expected);
      if (bytes.length !== expected) {
        throw new HttpProblem(400, 'PART_SIZE_MISMATCH', `Part ${partNumber} is ${expected} bytes; ${bytes.length} arrived`, { expectedSize: expected });
      }
      const actual = createHash('sha256').update(bytes).digest('base64');
      if (actual !== digest) throw new HttpProblem(422, 'PART_DIGEST_MISMATCH', `The SHA-256 of part ${partNumber} does not match its Content-Digest`);
      try {
        await parts.uploadPart('draft', draftKeyOf(requestId, uploadId), manifest.storeUploadId, partNumber, bytes);
      } catch (error) {
        if (error instanceof ObjectNotFoundError) throw notFound();
        throw error;
      }
      return { uploadId, partNumber, size: bytes.length, sha256: Buffer.from(actual, 'base64').toString('hex') };
    } finally {
      this.buffered -= expected;
    }
  }

  /**
   * Assembles the parts, hashes the object (the bytes the store holds, not the client's word) and
   * records the file only when that SHA-256 is the one declared at the start (and `sha256`, when
   * sent again here): otherwise the object and the upload go and nothing joins the request.
   */
  async complete(requestId: string, actor: Actor, uploadId: string, sha256: string | undefined, expectedVersion?: number) {
    const parts = this.available();
    if (sha256 !== undefined && !SHA256_HEX.test(sha256)) throw new HttpProblem(400, 'INVALID_BODY', 'sha256 must be 64 lower-case hex digits');
    const recorded = await this.alreadyRecorded(requestId, actor, uploadId);
    if (recorded) return recorded;
    const { manifest, state } = await this.authorised(requestId, actor, uploadId);
    const key = draftKeyOf(requestId, uploadId);
    const stored = await parts.listParts('draft', key, manifest.storeUploadId).catch(async (error: unknown) => {
      // Completed before (the answer was lost): the object is there, go on to record it.
      if (error instanceof ObjectNotFoundError && (await this.store.head('draft', key))) return undefined;
      if (error instanceof ObjectNotFoundError) throw notFound();
      throw error;
    });
    if (stored) {
      const missing = missingParts(manifest, stored);
      if (missing.length > 0) {
        throw new HttpProblem(409, 'UPLOAD_INCOMPLETE', `${missing.length} of ${partCountOf(manifest)} parts are missing`, {
          missingParts: missing.slice(0, 100),
          missingCount: missing.length,
        });
      }
      await parts.completeUpload('draft', key, manifest.storeUploadId, stored);
    }
    const hashed = await this.store.hash('draft', key);
    const refuse = async (problem: HttpProblem) => {
      await this.store.delete('draft', key).catch(() => undefined);
      await this.store.delete('draft', manifestKeyOf(requestId, uploadId)).catch(() => undefined);
      throw problem;
    };
    if (hashed.size !== manifest.size)
      await refuse(new HttpProblem(409, 'UPLOAD_INCOMPLETE', `The assembled file is ${hashed.size} bytes, not ${manifest.size}`));
    if (hashed.sha256 !== manifest.sha256 || (sha256 !== undefined && hashed.sha256 !== sha256)) {
      this.logger.warn({ requestId, uploadId, declared: manifest.sha256, actual: hashed.sha256 }, 'resumable upload refused: SHA-256 mismatch');
      await refuse(new HttpProblem(422, 'HASH_MISMATCH', 'The assembled file does not have the SHA-256 declared for it', { sha256: hashed.sha256 }));
    }
    const file = { fileId: uploadId, name: manifest.name, group: manifest.group, kind: manifest.kind };
    const result = await this.uploads.record(requestId, actor, file, { ...hashed, draftKey: key }, expectedVersion, state);
    await this.store.delete('draft', manifestKeyOf(requestId, uploadId)).catch(() => undefined);
    return { result, fileId: uploadId };
  }

  /**
   * A completion sent again (its answer was lost, or a retry raced it): the file this upload became
   * is in the request already, so the answer is the same and nothing is recorded twice.
   */
  private async alreadyRecorded(requestId: string, actor: Actor, uploadId: string) {
    const loaded = await this.requests.load(requestId);
    requireAuthor(loaded.state, actor, this.clock());
    if (loaded.state.status === 'none' || !loaded.state.files.some((f) => f.fileId === uploadId)) return undefined;
    return { result: loaded, fileId: uploadId };
  }

  async abort(requestId: string, actor: Actor, uploadId: string): Promise<void> {
    const parts = this.available();
    await this.authorOnly(requestId, actor);
    const manifest = await this.readManifest(requestId, uploadId);
    await parts.abortUpload('draft', draftKeyOf(requestId, uploadId), manifest.storeUploadId);
    await this.store.delete('draft', manifestKeyOf(requestId, uploadId));
    this.logger.info({ requestId, uploadId }, 'resumable upload aborted by its author');
  }

  private available(): ResumableUploadStore {
    if (!this.parts)
      throw new HttpProblem(
        501,
        'RESUMABLE_UPLOADS_UNAVAILABLE',
        'This object store does not take uploads in parts; use PUT /requests/{requestId}/files/{name}',
      );
    return this.parts;
  }

  /** As a streamed upload: the author, accredited, on a request that takes this file now. */
  private async authorised(requestId: string, actor: Actor, uploadId: string): Promise<{ manifest: UploadManifest; state: RequestState }> {
    const { state } = await this.requests.load(requestId);
    requireAuthor(state, actor, this.clock());
    const manifest = await this.readManifest(requestId, uploadId);
    await this.uploads.precheck(state, actor, { fileId: uploadId, name: manifest.name, group: manifest.group, kind: manifest.kind });
    return { manifest, state };
  }

  private async authorOnly(requestId: string, actor: Actor): Promise<void> {
    requireAuthor((await this.requests.load(requestId)).state, actor, this.clock());
  }

  private async readManifest(requestId: string, uploadId: string): Promise<UploadManifest> {
    if (!UUID.test(uploadId)) throw notFound();
    const stream = await this.store.getStream('draft', manifestKeyOf(requestId, uploadId)).catch((error: unknown) => {
      if (error instanceof ObjectNotFoundError) throw notFound();
      throw error;
    });
    const bytes = await readExactly(stream, MAX_MANIFEST_BYTES);
    let manifest: UploadManifest;
    try {
      manifest = JSON.parse(bytes.toString('utf8')) as UploadManifest;
    } catch {
      throw notFound();
    }
    if (manifest.uploadId !== uploadId || manifest.requestId !== requestId) throw notFound();
    return manifest;
  }

  private async storedParts(parts: ResumableUploadStore, manifest: UploadManifest): Promise<StoredPart[]> {
    return parts.listParts('draft', draftKeyOf(manifest.requestId, manifest.uploadId), manifest.storeUploadId).catch((error: unknown) => {
      if (error instanceof ObjectNotFoundError) throw notFound();
      throw error;
    });
  }

  private view(manifest: UploadManifest, stored: StoredPart[]): UploadSessionView {
    const confirmed = stored.filter((p) => p.partNumber <= partCountOf(manifest) && p.size === partLengthOf(manifest, p.partNumber));
    return {
      uploadId: manifest.uploadId,
      name: manifest.name,
      group: manifest.group,
      kind: manifest.kind,
      size: manifest.size,
      sha256: manifest.sha256,
      partSize: manifest.partSize,
      partCount: partCountOf(manifest),
      parts: confirmed.map((p) => ({ partNumber: p.partNumber, size: p.size })),
      bytesConfirmed: confirmed.reduce((sum, p) => sum + p.size, 0),
      createdAt: manifest.createdAt,
      expiresAt: new Date(Date.parse(manifest.createdAt) + this.limits.expiryMs).toISOString(),
    };
  }
}

function requireAuthor(state: RequestState, actor: Actor, now: Date): void {
  if (state.status === 'none') throw new RequestError('REQUEST_NOT_FOUND', 'No such request');
  if (state.authorId !== actor.userId) throw new RequestError('NOT_AUTHOR', 'Only the author can upload to this request');
  if (!isAccredited(actor, now.toISOString())) throw new RequestError('NOT_ACCREDITED', 'Your accreditation is missing or has expired');
}

function missingParts(manifest: UploadManifest, stored: StoredPart[]): number[] {
  const good = new Set(stored.filter((p) => p.size === partLengthOf(manifest, p.partNumber)).map((p) => p.partNumber));
  const missing: number[] = [];
  for (let n = 1; n <= partCountOf(manifest); n++) if (!good.has(n)) missing.push(n);
  return missing;
}

function parseDigest(header: string | undefined): string {
  if (header === undefined) throw new HttpProblem(400, 'DIGEST_REQUIRED', 'Send the part with Content-Digest: sha-256=:<base64 of its SHA-256>:');
  const match = SHA256_DIGEST.exec(header);
  if (!match) throw new HttpProblem(400, 'INVALID_DIGEST', 'Content-Digest must hold sha-256=:<base64 of 32 bytes>: (RFC 9530)');
  return match[1];
}

/** Reads the body, stopping (and refusing) as soon as it passes `limit` bytes. */
async function readExactly(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      bytes += buffer.length;
      if (bytes > limit) {
        body.destroy();
        throw new HttpProblem(413, 'PART_TOO_LARGE', `At most ${limit} bytes are expected here`, { expectedSize: limit });
      }
      chunks.push(buffer);
    }
  } catch (error) {
    if (error instanceof HttpProblem) throw error;
    throw new HttpProblem(400, 'UPLOAD_ABORTED', 'The upload ended before the whole body arrived');
  }
  return Buffer.concat(chunks, bytes);
}
