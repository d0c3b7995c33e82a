// The one contract both ObjectStore adapters must honour. Run by the local-disk unit
// spec and the S3 integration spec, so the adapters cannot drift apart.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { hashStream } from './hashing-meter';
import type { ObjectStore } from './object-store.port';
import { HashMismatchError, InvalidKeyError, ObjectNotFoundError, ObjectTooLargeError } from './storage.errors';

const MiB = 1024 * 1024;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export type ContractSubject = {
  store: ObjectStore;
  /** Anything left besides committed objects: temp files, staging objects, open multipart uploads. */
  leftovers(): Promise<string[]>;
};

/** A lazily generated random body in uneven chunks; `expected` is known once it has been read. */
export function randomBody(size: number): { body: Readable; expected: () => { sha256: string; size: number } } {
  const hasher = createHash('sha256');
  let produced = 0;
  let digest: string | undefined;
  const body = new Readable({
    read() {
      if (produced >= size) {
        digest = hasher.digest('hex');
        this.push(null);
        return;
      }
      // Uneven chunk sizes exercise part and buffer boundaries.
      const chunk = randomBytes(Math.min(size - produced, 1 + Math.floor(Math.random() * 128 * 1024)));
      produced += chunk.length;
      hasher.update(chunk);
      this.push(chunk);
    },
  });
  return {
    body,
    expected: () => {
      if (digest === undefined) throw new Error('randomBody: read it to the end first');
      return { sha256: digest, size };
    },
  };
}

export function bodyOf(content: string | Buffer): Readable {
  return Readable.from([Buffer.from(content)]);
}

export function sha256Of(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export function describeObjectStoreContract(subject: () => ContractSubject): void {
  const store = (): ObjectStore => subject().store;
  // A fresh prefix per test instead of emptying buckets (docs/style.md).
  const key = (name: string): string => `contract-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}/${name}`;

  describe('ObjectStore contract', () => {
    beforeAll(async () => {
      await store().ensureBuckets();
      await store().ensureBuckets(); // idempotent
    });

    afterEach(async () => {
      expect(await subject().leftovers()).toEqual([]);
    });

    it('answers ping once the buckets exist', async () => {
      expect(await store().ping()).toBe(true);
    });

    it('round-trips a streamed 20 MiB body with its sha256 and size', async () => {
      const k = key('twenty.bin');
      const { body, expected } = randomBody(20 * MiB);
      const stored = await store().putStream('draft', k, body, { maxBytes: 20 * MiB, contentType: 'application/octet-stream' });
      expect(stored).toMatchObject({ key: k, ...expected() });
      expect(await store().head('draft', k)).toMatchObject({ key: k, ...expected() });
      expect(await hashStream(await store().getStream('draft', k))).toEqual(expected());
      expect(await store().hash('draft', k)).toEqual(expected());
    });

    it('stores an empty body', async () => {
      const k = key('empty.csv');
      const stored = await store().putStream('draft', k, Readable.from([]), { maxBytes: 10 });
      expect(stored).toMatchObject({ key: k, sha256: EMPTY_SHA256, size: 0 });
      expect(await store().head('draft', k)).toMatchObject({ sha256: EMPTY_SHA256, size: 0 });
      expect(await store().hash('draft', k)).toEqual({ sha256: EMPTY_SHA256, size: 0 });
    });

    it('accepts a body of exactly maxBytes', async () => {
      const k = key('exact.txt');
      const stored = await store().putStream('draft', k, bodyOf('0123456789'), { maxBytes: 10 });
      expect(stored).toMatchObject({ sha256: sha256Of('0123456789'), size: 10 });
    });

    it.each([
      ['a small body', 1024, 1023],
      ['a multipart-sized body', 12 * MiB, 10 * MiB],
    ])('refuses %s over maxBytes and leaves nothing behind', async (_name, size, maxBytes) => {
      const k = key('too-large.bin');
      const { body } = randomBody(size);
      const failure = store().putStream('draft', k, body, { maxBytes });
      await expect(failure).rejects.toBeInstanceOf(ObjectTooLargeError);
      await expect(failure).rejects.toMatchObject({ code: 'OBJECT_TOO_LARGE', maxBytes });
      expect(await store().head('draft', k)).toBeUndefined();
      // The caller's stream is not read to the end once the limit is passed.
      expect(body.destroyed).toBe(true);
    });

    it.each([
      ['early', 1000],
      ['after the first part', 10 * MiB],
    ])('passes on a failure of the body (%s) as it is and leaves nothing behind', async (_when, failAfter) => {
      const k = key('broken.bin');
      let produced = 0;
      const body = new Readable({
        read() {
          if (produced >= failAfter) return void this.destroy(new Error('client went away'));
          produced += 64 * 1024;
          this.push(randomBytes(64 * 1024));
        },
      });
      const failure = store().putStream('draft', k, body, { maxBytes: 100 * MiB });
      await expect(failure).rejects.toThrow('client went away');
      await expect(failure).rejects.not.toHaveProperty('code', 'STORAGE_UNAVAILABLE');
      expect(await store().head('draft', k)).toBeUndefined();
    });

    it('keeps the previous version when an overwrite is too large', async () => {
      const k = key('kept.txt');
      await store().putStream('draft', k, bodyOf('original'), { maxBytes: 100 });
      await expect(store().putStream('draft', k, bodyOf('x'.repeat(200)), { maxBytes: 100 })).rejects.toBeInstanceOf(ObjectTooLargeError);
      expect(await store().head('draft', k)).toMatchObject({ sha256: sha256Of('original'), size: 8 });
    });

    it('replaces an object on a second put', async () => {
      const k = key('twice.txt');
      await store().putStream('draft', k, bodyOf('first'), { maxBytes: 100 });
      await store().putStream('draft', k, bodyOf('second'), { maxBytes: 100 });
      expect(await store().head('draft', k)).toMatchObject({ sha256: sha256Of('second'), size: 6 });
      expect(await store().hash('draft', k)).toEqual({ sha256: sha256Of('second'), size: 6 });
    });

    it('copies to another stage and verifies the copy', async () => {
      const from = key('table.csv');
      const to = key('frozen/table.csv');
      const { body, expected } = randomBody(3 * MiB);
      await store().putStream('draft', from, body, { maxBytes: 5 * MiB });
      const copied = await store().copy({ stage: 'draft', key: from }, { stage: 'quarantine', key: to }, expected().sha256);
      expect(copied).toMatchObject({ key: to, ...expected() });
      expect(await store().head('quarantine', to)).toMatchObject({ key: to, ...expected() });
      expect(await store().hash('quarantine', to)).toEqual(expected());
      expect(await store().head('draft', from)).toMatchObject(expected());
    });

    it('refuses a copy whose expected hash is wrong and leaves no destination', async () => {
      const from = key('source.txt');
      const to = key('dest.txt');
      await store().putStream('draft', from, bodyOf('the real bytes'), { maxBytes: 100 });
      const wrong = sha256Of('other bytes');
      const failure = store().copy({ stage: 'draft', key: from }, { stage: 'quarantine', key: to }, wrong);
      await expect(failure).rejects.toBeInstanceOf(HashMismatchError);
      await expect(failure).rejects.toMatchObject({ code: 'HASH_MISMATCH', expected: wrong, actual: sha256Of('the real bytes') });
      expect(await store().head('quarantine', to)).toBeUndefined();
    });

    it('refuses to copy a missing object', async () => {
      await expect(store().copy({ stage: 'draft', key: key('missing') }, { stage: 'quarantine', key: key('x') }, EMPTY_SHA256)).rejects.toMatchObject({
        code: 'OBJECT_NOT_FOUND',
      });
    });

    it('answers head of a missing object with undefined', async () => {
      expect(await store().head('released', key('missing'))).toBeUndefined();
    });

    it('throws ObjectNotFoundError on getStream and hash of a missing object', async () => {
      const k = key('missing');
      await expect(store().getStream('released', k)).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store().hash('released', k)).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND', stage: 'released', key: k });
    });

    it('lists the objects under a prefix in key order, and nothing of other prefixes or stages', async () => {
      const base = key('listed');
      await store().putStream('released', `${base}/b.csv`, bodyOf('bee'), { maxBytes: 100 });
      await store().putStream('released', `${base}/a/1.csv`, bodyOf('one'), { maxBytes: 100 });
      await store().putStream('released', `${base}-sibling/x.csv`, bodyOf('x'), { maxBytes: 100 });
      await store().putStream('rejected', `${base}/c.csv`, bodyOf('c'), { maxBytes: 100 });
      const before = Date.now() - 60_000;
      const listed = await store().list('released', `${base}/`);
      expect(listed.map((o) => [o.key, o.size])).toEqual([
        [`${base}/a/1.csv`, 3],
        [`${base}/b.csv`, 3],
      ]);
      for (const o of listed) expect(o.lastModified.getTime()).toBeGreaterThan(before);
      await store().delete('released', `${base}/b.csv`);
      expect((await store().list('released', `${base}/`)).map((o) => o.key)).toEqual([`${base}/a/1.csv`]);
      expect(await store().list('released', `${base}-none/`)).toEqual([]);
      expect((await store().list('released', '')).map((o) => o.key)).toEqual(expect.arrayContaining([`${base}/a/1.csv`, `${base}-sibling/x.csv`]));
    });

    it('lists past one page of results', async () => {
      const base = key('many');
      const keys = Array.from({ length: 1005 }, (_, i) => `${base}/${String(i).padStart(4, '0')}`);
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(keys.slice(i, i + 50).map((k) => store().putStream('blocked', k, bodyOf(''), { maxBytes: 1 })));
      }
      expect((await store().list('blocked', `${base}/`)).map((o) => o.key)).toEqual(keys);
    }, 120_000);

    it('deletes idempotently', async () => {
      const k = key('gone.txt');
      await store().putStream('rejected', k, bodyOf('bye'), { maxBytes: 100 });
      await store().delete('rejected', k);
      expect(await store().head('rejected', k)).toBeUndefined();
      await expect(store().getStream('rejected', k)).rejects.toBeInstanceOf(ObjectNotFoundError);
      await store().delete('rejected', k);
      await store().delete('rejected', key('never-existed'));
    });

    it.each(['../escape', 'a/../../etc/passwd', '/etc/passwd', 'C:/windows', 'nul\0byte', 'a//b', 'a\\b', '', './a', '.airlock-staging/x'])(
      'rejects the key %j with INVALID_KEY',
      async (bad) => {
        await expect(store().putStream('draft', bad, bodyOf('x'), { maxBytes: 10 })).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(store().getStream('draft', bad)).rejects.toMatchObject({ code: 'INVALID_KEY' });
        await expect(store().head('draft', bad)).rejects.toMatchObject({ code: 'INVALID_KEY' });
        await expect(store().delete('draft', bad)).rejects.toMatchObject({ code: 'INVALID_KEY' });
      },
    );
  });
}
