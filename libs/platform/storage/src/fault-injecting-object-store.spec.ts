import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FaultInjectingObjectStore, faultPlanFromEnv, InjectedFaultError, type StoreStep } from './fault-injecting-object-store';
import { LocalDiskObjectStore } from './local-disk-object-store';
import { sha256Of } from './object-store.contract';

let root: string;
let disk: LocalDiskObjectStore;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'airlock-fault-store-'));
  disk = new LocalDiskObjectStore(root);
  await disk.ensureBuckets();
});
afterAll(() => rm(root, { recursive: true, force: true }));

const body = Buffer.from('a,b\n1,2\n');

describe('fault-injecting object store', () => {
  it('lets the step reach the store, then fails its caller', async () => {
    const seen: StoreStep[] = [];
    const store = new FaultInjectingObjectStore(disk, (step) => {
      seen.push(step);
      return step.op === 'copy' ? 'fail' : 'continue';
    });
    await store.putStream('quarantine', 'r1/f', Readable.from([body]), { maxBytes: 100 });
    await expect(store.copy({ stage: 'quarantine', key: 'r1/f' }, { stage: 'released', key: 'r1/f' }, sha256Of(body))).rejects.toBeInstanceOf(
      InjectedFaultError,
    );
    // The copy happened: a retry must cope with a destination that already exists.
    expect((await disk.head('released', 'r1/f'))?.sha256).toBe(sha256Of(body));
    expect(seen.map((s) => s.op)).toEqual(['put', 'copy']);
    expect(store.stepCount).toBe(2);
  });

  it('crashes right after the chosen step', async () => {
    const crash = jest.fn(() => {
      throw new Error('crashed');
    }) as unknown as () => never;
    const store = new FaultInjectingObjectStore(
      disk,
      faultPlanFromEnv({ AIRLOCK_FAULT_INJECTION: 'true', AIRLOCK_FAULT_CRASH_AFTER_STEP: '1', AIRLOCK_FAULT_OP: 'delete' }) ?? (() => 'continue'),
      crash,
    );
    await store.putStream('draft', 'r2/a', Readable.from([body]), { maxBytes: 100 });
    await store.delete('draft', 'r2/a');
    await expect(store.delete('draft', 'r2/b')).rejects.toThrow('crashed');
    expect(crash).toHaveBeenCalledTimes(1);
  });

  it('is off unless explicitly enabled', () => {
    expect(faultPlanFromEnv({ AIRLOCK_FAULT_CRASH_AFTER_STEP: '0' })).toBeUndefined();
    expect(faultPlanFromEnv({ AIRLOCK_FAULT_INJECTION: 'true', AIRLOCK_FAULT_CRASH_AFTER_STEP: 'x' })).toBeUndefined();
  });
});
