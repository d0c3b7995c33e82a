import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ObjectTooLargeError } from './storage.errors';

/**
 * Pass-through that hashes (SHA-256) and counts bytes as they flow, and fails the
 * stream as soon as `maxBytes` is exceeded, so an oversized upload is cut off
 * without being read to the end.
 */
export class HashingMeter extends Transform {
  private readonly hasher: Hash = createHash('sha256');
  private digestHex: string | undefined;
  bytes = 0;
  exceeded = false;

  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {
    super();
  }

  override _transform(chunk: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    this.bytes += buffer.length;
    if (this.bytes > this.maxBytes) {
      this.exceeded = true;
      callback(new ObjectTooLargeError(this.maxBytes));
      return;
    }
    this.hasher.update(buffer);
    callback(null, buffer);
  }

  override _flush(callback: TransformCallback): void {
    this.digestHex = this.hasher.digest('hex');
    callback();
  }

  /** The hex SHA-256 of everything that passed; only valid once the stream has ended. */
  sha256(): string {
    if (this.digestHex === undefined) throw new Error('HashingMeter: sha256() read before the stream ended');
    return this.digestHex;
  }
}

/** Reads a stream to the end and returns its SHA-256 and length, holding one chunk at a time. */
export async function hashStream(body: AsyncIterable<Buffer | Uint8Array | string>): Promise<{ sha256: string; size: number }> {
  const hasher = createHash('sha256');
  let size = 0;
  for await (const chunk of body) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    hasher.update(buffer);
    size += buffer.length;
  }
  return { sha256: hasher.digest('hex'), size };
}
