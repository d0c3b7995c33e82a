import { DeleteObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { RealStack } from '@airlock/testing';
import { MiB } from './units';

// The S3 side of the benchmark: a client configured as S3ObjectStore configures its own
// (libs/platform/storage/src/s3-object-store.ts), so the direct upload does the same work.

/** S3ObjectStore's upload defaults, which ingress runs with (libs/platform/runtime/src/infra.ts passes none). */
export const STORE_UPLOAD = { partSize: 8 * MiB, queueSize: 1 } as const;

/** Plain JSON, so it can be handed to the baseline's child process as it is. */
export function storeClientConfig(stack: RealStack): S3ClientConfig {
  return {
    endpoint: stack.s3.endpoint,
    region: stack.s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5_000, socketTimeout: 120_000 },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

/** Deletes every object under a prefix; returns how many. */
export async function deletePrefix(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const keys = (listed.Contents ?? []).map((o) => o.Key as string);
    if (keys.length === 0) return deleted;
    // One by one: DeleteObjects needs a checksum header not every S3-compatible server takes.
    for (const key of keys) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    deleted += keys.length;
  }
}
