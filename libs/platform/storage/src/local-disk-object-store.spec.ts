import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalDiskObjectStore } from './local-disk-object-store';
import { bodyOf, describeObjectStoreContract, sha256Of } from './object-store.contract';
import { STAGES } from './object-store.port';
import { HashMismatchError } from './storage.errors';

let root: string;
let store: LocalDiskObjectStore;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'airlock-local-store-'));
  store = new LocalDiskObjectStore(root);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Temp files, and data files no index entry points at. */
async function leftovers(): Promise<string[]> {
  const found = (await readdir(path.join(root, 'tmp'))).map((name) => `tmp/${name}`);
  for (const stage of STAGES) {
    const referenced = new Set<string>();
    for (const name of await readdir(path.join(root, stage, 'index'))) {
      referenced.add((JSON.parse(await readFile(path.join(root, stage, 'index', name), 'utf8')) as { versionId: string }).versionId);
    }
    for (const name of await readdir(path.join(root, stage, 'data'))) {
      if (!referenced.has(name)) found.push(`${stage}/data/${name}`);
    }
  }
  return found;
}

describe('LocalDiskObjectStore', () => {
  describeObjectStoreContract(() => ({ store, leftovers }));

  it('cannot presign: downloads go through the service', async () => {
    expect(await store.presignGet('released', 'any/key.csv', 60, 'key.csv')).toBeUndefined();
  });

  it('detects bytes changed on disk when copying, and leaves no destination', async () => {
    await store.putStream('quarantine', 'tamper/source.csv', bodyOf('a,b\n1,2\n'), { maxBytes: 100 });
    const head = await store.head('quarantine', 'tamper/source.csv');
    await writeFile(path.join(root, 'quarantine', 'data', String(head?.versionId)), 'a,b\n1,3\n');

    const failure = store.copy({ stage: 'quarantine', key: 'tamper/source.csv' }, { stage: 'released', key: 'tamper/out.csv' }, sha256Of('a,b\n1,2\n'));

    await expect(failure).rejects.toBeInstanceOf(HashMismatchError);
    await expect(failure).rejects.toMatchObject({ expected: sha256Of('a,b\n1,2\n'), actual: sha256Of('a,b\n1,3\n') });
    expect(await store.head('released', 'tamper/out.csv')).toBeUndefined();
    expect(await leftovers()).toEqual([]);
  });

  it('reports not ready before its directories exist', async () => {
    expect(await new LocalDiskObjectStore(path.join(root, 'nowhere')).ping()).toBe(false);
  });
});
