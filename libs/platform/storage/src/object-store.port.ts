import type { Readable } from 'node:stream';

// One bucket (or directory) per stage of a file's life: docs/design.md "Buckets (stages)".
export const STAGES = ['draft', 'quarantine', 'released', 'rejected', 'blocked', 'imported'] as const;
export type Stage = (typeof STAGES)[number];

export type StoredObject = { key: string; sha256: string; size: number; versionId?: string };

export type ObjectRef = { stage: Stage; key: string };

/** One object as a listing shows it: no hash (that needs a head per object), but its age. */
export type ListedObject = { key: string; size: number; lastModified: Date };

export type PutOptions = {
  maxBytes: number;
  contentType?: string;
  metadata?: Record<string, string>;
  /**
   * Keep the SHA-256 in the object's metadata (default true). A caller that records the hash
   * itself (ingress records it in the FileUploaded event and re-verifies on every copy) may skip
   * it: large S3 bodies then go straight to their key instead of a staging key plus a copy.
   */
  hashInMetadata?: boolean;
};

/**
 * The object store port. Both adapters (S3, local disk) honour the same contract,
 * proven by one shared test suite (object-store.contract.ts).
 */
export type ObjectStore = {
  /** Creates the stage buckets/directories that are missing. Idempotent. */
  ensureBuckets(): Promise<void>;
  /** Streams `body` in, hashing as it goes; throws ObjectTooLargeError past `maxBytes` and leaves nothing behind. */
  putStream(stage: Stage, key: string, body: Readable, opts: PutOptions): Promise<StoredObject>;
  /** Throws ObjectNotFoundError when missing. */
  getStream(stage: Stage, key: string): Promise<Readable>;
  /** The recorded sha256 and size; undefined when missing. */
  head(stage: Stage, key: string): Promise<StoredObject | undefined>;
  /** Copies, then re-hashes the destination; on mismatch removes it and throws HashMismatchError. The result's sha256 is the destination's re-hashed one. */
  copy(from: ObjectRef, to: ObjectRef, expectedSha256: string): Promise<StoredObject>;
  /** Re-reads the bytes and hashes them (does not trust recorded metadata). */
  hash(stage: Stage, key: string): Promise<{ sha256: string; size: number }>;
  /**
   * Every object of the stage whose key starts with `prefix` ('' for all), in key order. The
   * adapters' own staging objects are never listed. Reconcilers compare it with the event log.
   */
  list(stage: Stage, prefix: string): Promise<ListedObject[]>;
  /** Idempotent: deleting a missing object succeeds. */
  delete(stage: Stage, key: string): Promise<void>;
  /** A time-limited download URL, or undefined where the store cannot presign (local disk). */
  presignGet(stage: Stage, key: string, ttlSeconds: number, downloadName?: string): Promise<string | undefined>;
  /** True when the store answers and every stage bucket is usable. Never throws. */
  ping(): Promise<boolean>;
};

/** One part of a resumable upload as the store holds it. */
export type StoredPart = { partNumber: number; size: number; etag: string };

/** A multipart upload not yet completed or aborted (the draft sweeper aborts abandoned ones). */
export type OpenUpload = { key: string; uploadId: string; initiated: Date };

/**
 * Resumable uploads in parts (S3 multipart): a store that offers it (S3) lets a client send a
 * file part by part, learn which parts arrived, and complete it into one object. Parts are sent
 * whole (each bounded by the caller's part size limit), so a part is never half stored.
 */
export type ResumableUploadStore = {
  createUpload(stage: Stage, key: string): Promise<string>;
  uploadPart(stage: Stage, key: string, uploadId: string, partNumber: number, body: Buffer): Promise<StoredPart>;
  /** The parts stored so far, by part number; throws ObjectNotFoundError when the upload is gone. */
  listParts(stage: Stage, key: string, uploadId: string): Promise<StoredPart[]>;
  completeUpload(stage: Stage, key: string, uploadId: string, parts: readonly StoredPart[]): Promise<void>;
  /** Idempotent: aborting an upload that is gone succeeds. */
  abortUpload(stage: Stage, key: string, uploadId: string): Promise<void>;
  /** Uploads started under `prefix` and neither completed nor aborted. */
  listOpenUploads(stage: Stage, prefix: string): Promise<OpenUpload[]>;
};

export function isResumableUploadStore(store: object): store is ResumableUploadStore {
  const candidate = store as Partial<ResumableUploadStore>;
  return typeof candidate.createUpload === 'function' && typeof candidate.listOpenUploads === 'function';
}
