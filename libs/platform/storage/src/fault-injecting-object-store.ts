import type { Readable } from 'node:stream';
import type { ListedObject, ObjectRef, ObjectStore, PutOptions, Stage, StoredObject } from './object-store.port';

/** A step of a multi-step move, as the store sees it: the operation and the object it touched. */
export type StoreStep = { op: 'put'; to: ObjectRef } | { op: 'copy'; from: ObjectRef; to: ObjectRef } | { op: 'delete'; from: ObjectRef };

/**
 * Decides what happens after each completed step: `continue`, `fail` (the step's caller sees an
 * error, as after a lost connection once the server had acted) or `crash` (the process dies at
 * once, as under SIGKILL, before the caller learns the step succeeded).
 */
export type FaultPlan = (step: StoreStep, index: number) => 'continue' | 'fail' | 'crash';

export class InjectedFaultError extends Error {
  readonly code = 'INJECTED_FAULT';
  constructor(readonly step: StoreStep) {
    super(`injected fault after ${step.op}`);
  }
}

/**
 * The fault-injection hook of the storage port (docs/design.md invariant 7: a crash at any step of any
 * move leaves a state the next delivery completes). It wraps a real store, lets each mutating step
 * reach the real server, then applies the plan. Reads pass through untouched. Tests and the crash
 * suite use it; production never wires it (see `faultPlanFromEnv`).
 */
export class FaultInjectingObjectStore implements ObjectStore {
  private steps = 0;

  constructor(
    private readonly inner: ObjectStore,
    private readonly plan: FaultPlan,
    private readonly crash: () => never = () => process.kill(process.pid, 'SIGKILL') as never,
  ) {}

  /** How many mutating steps have completed so far. */
  get stepCount(): number {
    return this.steps;
  }

  ensureBuckets(): Promise<void> {
    return this.inner.ensureBuckets();
  }

  async putStream(stage: Stage, key: string, body: Readable, opts: PutOptions): Promise<StoredObject> {
    const stored = await this.inner.putStream(stage, key, body, opts);
    this.after({ op: 'put', to: { stage, key } });
    return stored;
  }

  getStream(stage: Stage, key: string): Promise<Readable> {
    return this.inner.getStream(stage, key);
  }

  head(stage: Stage, key: string): Promise<StoredObject | undefined> {
    return this.inner.head(stage, key);
  }

  async copy(from: ObjectRef, to: ObjectRef, expectedSha256: string): Promise<StoredObject> {
    const stored = await this.inner.copy(from, to, expectedSha256);
    this.after({ op: 'copy', from, to });
    return stored;
  }

  hash(stage: Stage, key: string): Promise<{ sha256: string; size: number }> {
    return this.inner.hash(stage, key);
  }

  list(stage: Stage, prefix: string): Promise<ListedObject[]> {
    return this.inner.list(stage, prefix);
  }

  async delete(stage: Stage, key: string): Promise<void> {
    await this.inner.delete(stage, key);
    this.after({ op: 'delete', from: { stage, key } });
  }

  presignGet(stage: Stage, key: string, ttlSeconds: number, downloadName?: string): Promise<string | undefined> {
    return this.inner.presignGet(stage, key, ttlSeconds, downloadName);
  }

  ping(): Promise<boolean> {
    return this.inner.ping();
  }

  private after(step: StoreStep): void {
    const index = this.steps++;
    const outcome = this.plan(step, index);
    if (outcome === 'crash') this.crash();
    if (outcome === 'fail') throw new InjectedFaultError(step);
  }
}

/**
 * `AIRLOCK_FAULT_CRASH_AFTER_STEP=N` (with `AIRLOCK_FAULT_INJECTION=true`, refused by the service
 * config outside tests) kills the process right after its N-th mutating storage step (0-based),
 * optionally only for steps of `AIRLOCK_FAULT_OP` (put, copy or delete).
 */
export function faultPlanFromEnv(env: Record<string, string | undefined>): FaultPlan | undefined {
  if (env.AIRLOCK_FAULT_INJECTION !== 'true') return undefined;
  const crashAfter = Number(env.AIRLOCK_FAULT_CRASH_AFTER_STEP);
  if (!Number.isInteger(crashAfter) || crashAfter < 0) return undefined;
  return crashPlan({ crashAfterStep: crashAfter, op: env.AIRLOCK_FAULT_OP });
}

/** Kills the process right after its `crashAfterStep`-th mutating step (0-based), counting only `op` steps when given. */
export function crashPlan({ crashAfterStep, op }: { crashAfterStep: number; op?: string }): FaultPlan {
  let seen = 0;
  return (step) => {
    if (op && step.op !== op) return 'continue';
    return seen++ === crashAfterStep ? 'crash' : 'continue';
  };
}
