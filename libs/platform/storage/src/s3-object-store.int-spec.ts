import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { realStack, uniqueId } from '@airlock/testing';
import { bodyOf, describeObjectStoreContract, randomBody, sha256Of } from './object-store.contract';
import { type Stage, STAGES } from './object-store.port';
import { S3ObjectStore, type S3ObjectStoreConfig } from './s3-object-store';
import { HashMismatchError, StorageUnavailableError } from './storage.errors';

const MiB = 1024 * 1024;
const s3 = realStack().s3;
// Buckets of our own per run: leftovers checks then see only this suite's objects and uploads.
const runId = uniqueId('alt');
const buckets = Object.fromEntries(STAGES.map((stage) => [stage, `${runId}-${stage}`])) as Record<Stage, string>;
const config: S3ObjectStoreConfig = { ...s3, buckets };
const raw = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: s3 });

let store: S3ObjectStore;

async function objectKeys(bucket: string, prefix?: string): Promise<string[]> {
  const listed = await raw.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key ?? '');
}

/** Staging objects and open multipart uploads: what an aborted or failed upload must not leave. */
async function leftovers(): Promise<string[]> {
  const found: string[] = [];
  for (const bucket of Object.values(buckets)) {
    found.push(...(await objectKeys(bucket, '.airlock-')).map((k) => `${bucket}/${k}`));
    const uploads = await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    found.push(...(uploads.Uploads ?? []).map((u) => `${bucket}/${u.Key} (upload ${u.UploadId})`));
  }
  return found;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

beforeAll(() => {
  store = new S3ObjectStore(config);
});

afterAll(async () => {
  for (const stage of STAGES) {
    const keys = [...(await store.list(stage, '').catch(() => [])).map((o) => o.key), ...(await objectKeys(buckets[stage], '.airlock-').catch(() => []))];
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => raw.send(new DeleteObjectCommand({ Bucket: buckets[stage], Key: key }))));
    }
    await raw.send(new DeleteBucketCommand({ Bucket: buckets[stage] })).catch(() => undefined);
  }
  store.close();
  raw.destroy();
}, 120_000);

describe('S3ObjectStore against the real S3 server', () => {
  describeObjectStoreContract(() => ({ store, leftovers }));

  it('records the sha256 as object metadata, visible to any S3 client', async () => {
    const { body, expected } = randomBody(9 * MiB); // over one part: the staged multipart path
    await store.putStream('draft', 'meta/large.bin', body, { maxBytes: 10 * MiB, metadata: { 'request-id': 'r-1' } });
    const head = await raw.send(new HeadObjectCommand({ Bucket: buckets.draft, Key: 'meta/large.bin' }));
    expect(head.Metadata).toEqual({ sha256: expected().sha256, 'request-id': 'r-1' });
    expect(head.ContentLength).toBe(9 * MiB);
  });

  it('serves a presigned GET with the exact bytes and the download name', async () => {
    const { body, expected } = randomBody(2 * MiB);
    await store.putStream('released', 'out/results table.csv', body, { maxBytes: 3 * MiB });
    const url = await store.presignGet('released', 'out/results table.csv', 60, 'résultats "final".csv');
    if (url === undefined) throw new Error('S3 must presign');

    const response = await fetch(url);
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect({ sha256: sha256Of(bytes), size: bytes.length }).toEqual(expected());
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="r_sultats _final_.csv"; filename*=UTF-8''r%C3%A9sultats%20%22final%22.csv`);
  });

  it('refuses a presigned URL once tampered with', async () => {
    await store.putStream('released', 'out/signed.txt', bodyOf('signed'), { maxBytes: 100 });
    const url = new URL(String(await store.presignGet('released', 'out/signed.txt', 60)));
    url.pathname = url.pathname.replace('signed.txt', 'other.txt');
    expect((await fetch(url)).status).toBe(403);
  });

  it('copies objects over the multipart threshold with UploadPartCopy and verifies them', async () => {
    const small = new S3ObjectStore({ ...config, multipartCopyThresholdBytes: 5 * MiB, copyPartSizeBytes: 5 * MiB });
    try {
      const { body, expected } = randomBody(12 * MiB + 123);
      await small.putStream('quarantine', 'mp/big.bin', body, { maxBytes: 13 * MiB });
      const copied = await small.copy({ stage: 'quarantine', key: 'mp/big.bin' }, { stage: 'released', key: 'mp/big.bin' }, expected().sha256);
      expect(copied).toMatchObject(expected());
      expect(await small.head('released', 'mp/big.bin')).toMatchObject(expected());
      expect(await small.hash('released', 'mp/big.bin')).toEqual(expected());
    } finally {
      small.close();
    }
  });

  it.each([
    ['S3 hashing what it wrote', true],
    ['reading the copy back', false],
  ])('detects a copy whose bytes do not match the recorded hash, by %s, and removes the destination', async (_how, copyChecksums) => {
    const checking = new S3ObjectStore({ ...config, copyChecksums });
    try {
      // Written around the store with a lying sha256: only hashing the copy's bytes can catch it.
      const key = `lie/${String(copyChecksums)}/file.csv`;
      const claimed = sha256Of('what was submitted');
      await raw.send(new PutObjectCommand({ Bucket: buckets.quarantine, Key: key, Body: 'what is stored', Metadata: { sha256: claimed } }));

      const failure = checking.copy({ stage: 'quarantine', key }, { stage: 'released', key }, claimed);

      await expect(failure).rejects.toBeInstanceOf(HashMismatchError);
      await expect(failure).rejects.toMatchObject({ expected: claimed, actual: sha256Of('what is stored'), stage: 'released' });
      expect(await checking.head('released', key)).toBeUndefined();
    } finally {
      checking.close();
    }
  });

  it("checks a copy against S3's SHA-256 of the bytes it wrote instead of reading them back; without it, reads them back", async () => {
    const { body, expected } = randomBody(3 * MiB);
    await store.putStream('draft', 'sum/file.bin', body, { maxBytes: 4 * MiB });
    const readBack = jest.spyOn(store, 'hash');
    try {
      expect(await store.copy({ stage: 'draft', key: 'sum/file.bin' }, { stage: 'quarantine', key: 'sum/file.bin' }, expected().sha256)).toMatchObject(
        expected(),
      );
      expect(readBack).not.toHaveBeenCalled();
    } finally {
      readBack.mockRestore();
    }
    const plain = new S3ObjectStore({ ...config, copyChecksums: false });
    const plainReadBack = jest.spyOn(plain, 'hash');
    try {
      expect(await plain.copy({ stage: 'draft', key: 'sum/file.bin' }, { stage: 'released', key: 'sum/file.bin' }, expected().sha256)).toMatchObject(
        expected(),
      );
      expect(plainReadBack).toHaveBeenCalledWith('released', 'sum/file.bin');
    } finally {
      plain.close();
    }
    expect(await store.hash('quarantine', 'sum/file.bin')).toEqual(expected());
  });

  it('uploads a large body straight to its key when the caller keeps the hash itself', async () => {
    const { body, expected } = randomBody(9 * MiB);
    const stored = await store.putStream('draft', 'direct/large.bin', body, { maxBytes: 10 * MiB, hashInMetadata: false });
    expect(stored).toMatchObject({ key: 'direct/large.bin', sha256: expected().sha256, size: 9 * MiB });
    const head = await raw.send(new HeadObjectCommand({ Bucket: buckets.draft, Key: 'direct/large.bin' }));
    expect(head.Metadata?.sha256).toBeUndefined();
    // The hash is still known to the store (computed) and copies still verify it.
    expect(await store.head('draft', 'direct/large.bin')).toMatchObject({ sha256: expected().sha256 });
    await store.copy({ stage: 'draft', key: 'direct/large.bin' }, { stage: 'quarantine', key: 'direct/large.bin' }, expected().sha256);
    expect(await leftovers()).toEqual([]);
  });

  describe('multipart uploads of our own (5 MiB parts)', () => {
    // Part buffers of 5 MiB, S3's minimum, so a few parts take little time to send.
    const stores = new Map<number, S3ObjectStore>();
    const storeWith = (queueSize: number): S3ObjectStore => {
      const existing = stores.get(queueSize);
      if (existing) return existing;
      const created = new S3ObjectStore({ ...config, partSizeBytes: 5 * MiB, queueSize });
      stores.set(queueSize, created);
      return created;
    };
    afterAll(() => stores.forEach((s) => s.close()));

    /** The bytes in uneven chunks, so parts never line up with chunk boundaries. */
    function chunked(bytes: Buffer): Readable {
      let offset = 0;
      return new Readable({
        read() {
          if (offset >= bytes.length) return void this.push(null);
          const length = 1 + Math.floor(Math.random() * 200 * 1024);
          this.push(bytes.subarray(offset, offset + length));
          offset += length;
        },
      });
    }

    /** A body that sends `failAfter` bytes, then fails as a client going away does. */
    function failingBody(failAfter: number): Readable {
      let produced = 0;
      return new Readable({
        read() {
          if (produced >= failAfter) return void this.destroy(new Error('client went away'));
          produced += 64 * 1024;
          this.push(randomBytes(64 * 1024));
        },
      });
    }

    async function pendingUploads(bucket: string, key: string): Promise<string[]> {
      const listed = await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
      return (listed.Uploads ?? []).map((u) => `${u.Key} (upload ${u.UploadId})`);
    }

    it.each([
      ['one part buffer, an uneven last part', 1, 23 * MiB + 17, 5],
      ['two part buffers, an uneven last part', 2, 23 * MiB + 17, 5],
      ['one part buffer, a body ending on a part boundary', 1, 15 * MiB, 3],
    ])('round-trips a multipart body byte for byte with its sha256 (%s)', async (_name, queueSize, size, partCount) => {
      const bytes = randomBytes(size);
      const key = `mp-direct/${uniqueId('rt')}.bin`;
      const stored = await storeWith(queueSize).putStream('draft', key, chunked(bytes), {
        maxBytes: 100 * MiB,
        hashInMetadata: false,
        contentType: 'text/csv',
      });

      expect(stored).toMatchObject({ key, sha256: sha256Of(bytes), size });
      const head = await raw.send(new HeadObjectCommand({ Bucket: buckets.draft, Key: key }));
      // A multipart ETag ends in the number of parts.
      expect(head.ETag).toMatch(new RegExp(`-${partCount}"?$`));
      expect(head.ContentType).toBe('text/csv');
      const read: Buffer[] = [];
      for await (const chunk of await store.getStream('draft', key)) read.push(chunk as Buffer);
      expect(Buffer.concat(read).equals(bytes)).toBe(true);
      expect(await pendingUploads(buckets.draft, key)).toEqual([]);
    });

    it.each([
      ['straight to its key, one part buffer', 1, false],
      ['straight to its key, two part buffers', 2, false],
      ['through a staging key', 1, true],
    ])('leaves no object and no pending upload when the body fails after a few parts (%s)', async (_name, queueSize, hashInMetadata) => {
      const key = `mp-broken/${uniqueId('fail')}.bin`;
      const failure = storeWith(queueSize).putStream('draft', key, failingBody(17 * MiB), { maxBytes: 100 * MiB, hashInMetadata });

      await expect(failure).rejects.toThrow('client went away');
      expect(await objectKeys(buckets.draft, key)).toEqual([]);
      expect(await pendingUploads(buckets.draft, key)).toEqual([]);
      expect(await leftovers()).toEqual([]);
    });

    it('keeps the previous object whole when a multipart overwrite fails midway', async () => {
      const key = `mp-broken/${uniqueId('kept')}.bin`;
      await store.putStream('draft', key, bodyOf('original'), { maxBytes: 100 });

      const failure = storeWith(1).putStream('draft', key, failingBody(12 * MiB), { maxBytes: 100 * MiB, hashInMetadata: false });

      await expect(failure).rejects.toThrow('client went away');
      expect(await store.hash('draft', key)).toEqual({ sha256: sha256Of('original'), size: 8 });
      expect(await pendingUploads(buckets.draft, key)).toEqual([]);
    });
  });

  it('computes the hash of an object written without one', async () => {
    await raw.send(new PutObjectCommand({ Bucket: buckets.draft, Key: 'foreign/file.txt', Body: 'foreign' }));
    expect(await store.head('draft', 'foreign/file.txt')).toMatchObject({ sha256: sha256Of('foreign'), size: 7 });
  });

  it('creates missing buckets, idempotently and concurrently', async () => {
    const fresh = Object.fromEntries(STAGES.map((stage) => [stage, `${uniqueId('alt-new')}-${stage}`])) as Record<Stage, string>;
    const other = new S3ObjectStore({ ...config, buckets: fresh });
    try {
      expect(await other.ping()).toBe(false);
      await Promise.all([other.ensureBuckets(), other.ensureBuckets()]);
      await other.ensureBuckets();
      expect(await other.ping()).toBe(true);
    } finally {
      for (const bucket of Object.values(fresh)) await raw.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
      other.close();
    }
  });

  describe('with nothing listening', () => {
    let dead: S3ObjectStore;

    beforeAll(async () => {
      dead = new S3ObjectStore({ ...config, endpoint: `http://127.0.0.1:${await freePort()}`, maxAttempts: 1, connectTimeoutMs: 500, socketTimeoutMs: 1000 });
    });

    afterAll(() => dead.close());

    it.each([
      ['putStream', () => dead.putStream('draft', 'k', bodyOf('x'), { maxBytes: 10 })],
      ['getStream', () => dead.getStream('draft', 'k')],
      ['head', () => dead.head('draft', 'k')],
      ['copy', () => dead.copy({ stage: 'draft', key: 'k' }, { stage: 'quarantine', key: 'k' }, sha256Of('x'))],
      ['delete', () => dead.delete('draft', 'k')],
      ['ensureBuckets', () => dead.ensureBuckets()],
    ])('fails %s quickly with StorageUnavailableError (callers retry, fail closed)', async (_name, call) => {
      const started = Date.now();
      await expect(call()).rejects.toBeInstanceOf(StorageUnavailableError);
      await expect(call()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('answers ping with false', async () => {
      expect(await dead.ping()).toBe(false);
    });
  });
});
