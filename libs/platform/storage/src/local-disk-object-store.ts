import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, constants, copyFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HashingMeter, hashStream } from './hashing-meter';
import { assertMaxBytes, assertValidKey, normaliseSha256 } from './object-key';
import { type ListedObject, type ObjectRef, type ObjectStore, type PutOptions, type Stage, STAGES, type StoredObject } from './object-store.port';
import { HashMismatchError, ObjectNotFoundError, ObjectTooLargeError, StorageError, StorageUnavailableError } from './storage.errors';

// What the sidecar index file records for one key.
type IndexEntry = StoredObject & { versionId: string; contentType?: string; metadata?: Record<string, string> };

// Disk conditions that clear up on their own or with an operator's help: callers retry.
const TRANSIENT_FS_CODES = new Set(['ENOSPC', 'EIO', 'EROFS', 'EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EDQUOT']);

/**
 * ObjectStore on a local directory: the embedded default when no S3 is configured.
 *
 * Layout under rootDir:
 *   tmp/                          partial writes; never read
 *   <stage>/data/<versionId>      the bytes of one version, written once, never changed
 *   <stage>/index/<sha256(key)>   JSON sidecar {key, sha256, size, versionId, ...}
 * Keys are hashed for the index name, so any valid key (with slashes, dots, unicode)
 * maps to one flat file and `a` and `a/b` can coexist as they do in S3. Renaming the
 * sidecar into place is the single atomic commit of a write.
 */
export class LocalDiskObjectStore implements ObjectStore {
  private readonly root: string;

  constructor(rootDir: string) {
    this.root = path.resolve(rootDir);
  }

  async ensureBuckets(): Promise<void> {
    await this.fs('creating directories', async () => {
      await mkdir(this.tmpDir(), { recursive: true });
      for (const stage of STAGES) {
        await mkdir(path.join(this.root, stage, 'data'), { recursive: true });
        await mkdir(path.join(this.root, stage, 'index'), { recursive: true });
      }
    });
  }

  async putStream(stage: Stage, key: string, body: Readable, opts: PutOptions): Promise<StoredObject> {
    assertValidKey(key);
    assertMaxBytes(opts.maxBytes);
    const versionId = randomUUID();
    const tmp = path.join(this.tmpDir(), versionId);
    const meter = new HashingMeter(opts.maxBytes);
    try {
      await pipeline(body, meter, createWriteStream(tmp, { flags: 'wx' }));
      await fsyncFile(tmp);
      await rename(tmp, this.dataPath(stage, versionId));
    } catch (error) {
      await rm(tmp, { force: true });
      if (meter.exceeded) throw new ObjectTooLargeError(opts.maxBytes);
      throw toStorageError(error, `writing ${stage}/${key}`);
    }
    const entry: IndexEntry = { key, sha256: meter.sha256(), size: meter.bytes, versionId, contentType: opts.contentType, metadata: opts.metadata };
    await this.commit(stage, entry);
    return publicView(entry);
  }

  async getStream(stage: Stage, key: string): Promise<Readable> {
    assertValidKey(key);
    // A concurrent overwrite may remove the data file between reading the index and
    // opening the file: read the index again rather than report a false "not found".
    for (let attempt = 0; attempt < 3; attempt++) {
      const entry = await this.readIndex(stage, key);
      if (!entry) break;
      try {
        const handle = await open(this.dataPath(stage, entry.versionId), 'r');
        return handle.createReadStream();
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT') throw toStorageError(error, `opening ${stage}/${key}`);
      }
    }
    throw new ObjectNotFoundError(stage, key);
  }

  async head(stage: Stage, key: string): Promise<StoredObject | undefined> {
    assertValidKey(key);
    const entry = await this.readIndex(stage, key);
    return entry && publicView(entry);
  }

  async copy(from: ObjectRef, to: ObjectRef, expectedSha256: string): Promise<StoredObject> {
    assertValidKey(from.key);
    assertValidKey(to.key);
    const expected = normaliseSha256(expectedSha256);
    const source = await this.readIndex(from.stage, from.key);
    if (!source) throw new ObjectNotFoundError(from.stage, from.key);
    if (source.sha256 !== expected) throw new HashMismatchError(expected, source.sha256, from.stage, from.key);

    const versionId = randomUUID();
    const tmp = path.join(this.tmpDir(), versionId);
    let actual: { sha256: string; size: number };
    try {
      // copyFile lets the kernel clone or copy in place: the disk analogue of a server-side copy.
      await copyFile(this.dataPath(from.stage, source.versionId), tmp, constants.COPYFILE_EXCL);
      await fsyncFile(tmp);
      // docs/design.md invariant 2 (frozen bytes): re-read the copy and hash it before it becomes visible.
      actual = await hashFile(tmp);
      if (actual.sha256 !== expected) throw new HashMismatchError(expected, actual.sha256, to.stage, to.key);
      await rename(tmp, this.dataPath(to.stage, versionId));
    } catch (error) {
      await rm(tmp, { force: true });
      if (errnoCode(error) === 'ENOENT') throw new ObjectNotFoundError(from.stage, from.key);
      throw toStorageError(error, `copying ${from.stage}/${from.key} to ${to.stage}/${to.key}`);
    }
    const entry: IndexEntry = { ...source, key: to.key, versionId, sha256: actual.sha256, size: actual.size };
    await this.commit(to.stage, entry);
    return publicView(entry);
  }

  async hash(stage: Stage, key: string): Promise<{ sha256: string; size: number }> {
    const body = await this.getStream(stage, key);
    try {
      return await hashStream(body);
    } catch (error) {
      throw toStorageError(error, `hashing ${stage}/${key}`);
    } finally {
      body.destroy();
    }
  }

  async list(stage: Stage, prefix: string): Promise<ListedObject[]> {
    const indexDir = path.join(this.root, stage, 'index');
    const names = await this.fs(`listing ${stage}`, () => readdir(indexDir));
    const listed: ListedObject[] = [];
    for (const name of names) {
      // Index names are hashes of keys: every entry is read; one deleted meanwhile is skipped.
      const found = await Promise.all([readFile(path.join(indexDir, name), 'utf8'), stat(path.join(indexDir, name))]).catch((error: unknown) => {
        if (errnoCode(error) === 'ENOENT') return undefined;
        throw toStorageError(error, `listing ${stage}`);
      });
      if (!found) continue;
      const entry = JSON.parse(found[0]) as IndexEntry;
      if (entry.key.startsWith(prefix)) listed.push({ key: entry.key, size: entry.size, lastModified: found[1].mtime });
    }
    // S3 lists in UTF-8 binary key order; the disk store does the same.
    return listed.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }

  async delete(stage: Stage, key: string): Promise<void> {
    assertValidKey(key);
    const entry = await this.readIndex(stage, key);
    if (!entry) return;
    await this.fs(`deleting ${stage}/${key}`, async () => {
      // Index first: once it is gone the object is gone; the data file is then garbage.
      await rm(this.indexPath(stage, key), { force: true });
      await rm(this.dataPath(stage, entry.versionId), { force: true });
    });
  }

  async presignGet(_stage: Stage, key: string, _ttlSeconds: number, _downloadName?: string): Promise<string | undefined> {
    assertValidKey(key);
    // A directory cannot hand out signed URLs: callers stream downloads through the service.
    return undefined;
  }

  async ping(): Promise<boolean> {
    try {
      await access(this.tmpDir(), constants.W_OK);
      for (const stage of STAGES) await access(path.join(this.root, stage, 'index'), constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  /** Publishes `entry` as the current version of its key, then drops the version it replaced. */
  private async commit(stage: Stage, entry: IndexEntry): Promise<void> {
    const previous = await this.readIndex(stage, entry.key);
    const tmp = path.join(this.tmpDir(), `${entry.versionId}.json`);
    await this.fs(`committing ${stage}/${entry.key}`, async () => {
      try {
        await writeFile(tmp, JSON.stringify(entry), { flag: 'wx' });
        await fsyncFile(tmp);
        await rename(tmp, this.indexPath(stage, entry.key));
      } catch (error) {
        await rm(tmp, { force: true });
        await rm(this.dataPath(stage, entry.versionId), { force: true });
        throw error;
      }
    });
    // Two racing writers of one key may each read the same `previous`; the loser's data
    // file is then left unreferenced. Harmless (never readable), and rare on a dev disk.
    if (previous && previous.versionId !== entry.versionId) {
      await rm(this.dataPath(stage, previous.versionId), { force: true }).catch(() => undefined);
    }
  }

  private async readIndex(stage: Stage, key: string): Promise<IndexEntry | undefined> {
    try {
      const entry = JSON.parse(await readFile(this.indexPath(stage, key), 'utf8')) as IndexEntry;
      // The index name is a hash of the key; the stored key guards against a corrupt file.
      return entry.key === key ? entry : undefined;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw toStorageError(error, `reading the index of ${stage}/${key}`);
    }
  }

  private async fs<T>(doing: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toStorageError(error, doing);
    }
  }

  private tmpDir(): string {
    return path.join(this.root, 'tmp');
  }

  private dataPath(stage: Stage, versionId: string): string {
    return path.join(this.root, stage, 'data', versionId);
  }

  private indexPath(stage: Stage, key: string): string {
    return path.join(this.root, stage, 'index', createHash('sha256').update(key).digest('hex'));
  }
}

function publicView(entry: IndexEntry): StoredObject {
  return { key: entry.key, sha256: entry.sha256, size: entry.size, versionId: entry.versionId };
}

async function fsyncFile(file: string): Promise<void> {
  // Data must be on disk before the rename that publishes it, or a crash could publish a hole.
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const handle = await open(file, 'r');
  return hashStream(handle.createReadStream());
}

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { code?: string }).code : undefined;
}

function toStorageError(error: unknown, doing: string): unknown {
  if (error instanceof StorageError) return error;
  const code = errnoCode(error);
  if (code && TRANSIENT_FS_CODES.has(code)) {
    return new StorageUnavailableError(`local store unavailable while ${doing}: ${code}`, { cause: error });
  }
  return error;
}
