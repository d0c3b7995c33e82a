import { RequestError, decide, importPolicyOf, type Actor, type ExistingRequest, type ProjectPolicy, type RequestState } from '@airlock/domain';
import type { Db } from '@airlock/database';
import { HttpProblem } from '@airlock/http';
import { StaleVersionError, type RegistryHandler, type RequestCommandHandler } from '@airlock/application';
import { StorageError, type ObjectStore } from '@airlock/storage';
import type { Logger } from 'pino';

/** At most one freeze of a request at a time: a second submit while one runs gets 409 SUBMIT_IN_PROGRESS. */
export type FreezeLock = { run<T>(requestId: string, work: () => Promise<T>): Promise<T> };

const inProgress = () => new HttpProblem(409, 'SUBMIT_IN_PROGRESS', 'This request is being submitted; reload it to see the outcome');

/** One process: the embedded default, and the fast refusal before any database round trip. */
export function inProcessFreezeLock(): FreezeLock {
  const held = new Set<string>();
  return {
    async run(requestId, work) {
      if (held.has(requestId)) throw inProgress();
      held.add(requestId);
      try {
        return await work();
      } finally {
        held.delete(requestId);
      }
    },
  };
}

// Two-int4 advisory key form (see @airlock/database advisory-locks): class, then the request.
const FREEZE_LOCK_CLASS = 0x41490010;

/**
 * Across processes: a transaction-scoped advisory lock held while the files are frozen. A crashed
 * process's connection closes and the lock goes with it, so a crash never leaves a request stuck.
 */
export function postgresFreezeLock(db: Db): FreezeLock {
  return {
    run: (requestId, work) =>
      db.withTransaction(async (tx) => {
        const { rows } = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked', [FREEZE_LOCK_CLASS, requestId]);
        if (!rows[0]?.locked) throw inProgress();
        return work();
      }),
  };
}

/** The in-process lock first (no connection held by a loser), then the shared one. */
export function freezeLocks(...locks: FreezeLock[]): FreezeLock {
  return locks.reduce((outer, inner) => ({ run: (requestId, work) => outer.run(requestId, () => inner.run(requestId, work)) }));
}

/** An import is submitted under the project's import policy (docs/adr/0012-imports.md). */
const importsOf = (request: ExistingRequest, project: ProjectPolicy) => (request.direction === 'import' ? { imports: importPolicyOf(project) } : {});

const frozenDrafts = (state: ExistingRequest) => state.files.filter((f) => f.quarantineKey && f.draftKey).map((f) => f.draftKey);

/**
 * Submit (docs/design.md: ingress freezes files into quarantine on submit). The steps, each safe to
 * repeat after a failure or crash at any point:
 *  1. copy every file to quarantine under a key fixed by request, turn, file and hash, verifying
 *     the hash (invariant 2); a retry overwrites the same keys with the same bytes;
 *  2. append RequestSubmitted (optimistic concurrency): the one step that decides the outcome;
 *  3. delete the drafts. A crash before this is completed by the next submit, which finds the
 *     request submitted, sweeps the drafts of its frozen files and answers 409 WRONG_STATE.
 * Drafts are deleted only once the submission naming their frozen copies is recorded, so no
 * failure loses a file; the lock keeps racing submits from copying drafts another is deleting.
 */
export class SubmitService {
  constructor(
    private readonly requests: RequestCommandHandler,
    private readonly registry: RegistryHandler,
    private readonly store: ObjectStore,
    private readonly lock: FreezeLock,
    private readonly logger: Logger,
  ) {}

  /** `expectedVersion` (If-Match): submit only this version of the request, or refuse 412 before copying a byte. */
  submit(requestId: string, actor: Actor, expectedVersion?: number) {
    return this.lock.run(requestId, () => this.freezeAndSubmit(requestId, actor, expectedVersion));
  }

  private async freezeAndSubmit(requestId: string, actor: Actor, expectedVersion: number | undefined) {
    const { state, version } = await this.requests.current(requestId);
    const project = await this.registry.policyFor(state.status === 'none' ? '' : state.projectId);
    await this.refuseEarly(state, actor, project);
    // After the refusals: a 412 names the version, which only the author may learn.
    if (expectedVersion !== undefined && version !== expectedVersion) throw new StaleVersionError(expectedVersion, version);
    const { approval, disclosure } = project;
    const request = state as ExistingRequest;
    const imports = importsOf(request, project);
    const quarantineKeys = await this.freeze(requestId, request);
    const result = await this.requests.execute(
      requestId,
      (fresh, at) => {
        // A file added or removed since the copies were made: the frozen set no longer matches.
        const changed = fresh.status !== 'none' && fresh.files.some((f) => !Object.hasOwn(quarantineKeys, f.fileId));
        if (changed && fresh.status === request.status) throw new HttpProblem(409, 'FILES_CHANGED', 'The files changed while submitting; submit again');
        return { type: 'Submit', actor, at, data: { quarantineKeys, policy: approval, disclosure, ...imports } };
      },
      { expectedVersion },
    );
    await this.deleteDrafts(
      requestId,
      request.files.filter((f) => !f.quarantineKey).map((f) => f.draftKey),
    );
    return result;
  }

  /** Refuse before copying a byte; a request already submitted gets the leftovers of its freeze swept. */
  private async refuseEarly(state: RequestState, actor: Actor, project: ProjectPolicy) {
    const { approval, disclosure } = project;
    const placeholders = Object.fromEntries((state.status === 'none' ? [] : state.files).map((f) => [f.fileId, 'pending']));
    const imports = state.status === 'none' ? {} : importsOf(state, project);
    try {
      decide({ type: 'Submit', actor, at: new Date().toISOString(), data: { quarantineKeys: placeholders, policy: approval, disclosure, ...imports } }, state);
    } catch (error) {
      if (error instanceof RequestError && error.code === 'WRONG_STATE' && state.status !== 'none' && state.authorId === actor.userId) {
        await this.deleteDrafts(state.requestId, frozenDrafts(state));
      }
      throw error;
    }
  }

  private async freeze(requestId: string, request: ExistingRequest): Promise<Record<string, string>> {
    const turn = request.turn + 1;
    const quarantineKeys: Record<string, string> = {};
    for (const file of request.files) {
      const key = `requests/${requestId}/turn-${turn}/${file.fileId}-${file.sha256}`;
      // A file kept unchanged from an earlier turn is already frozen: copy it from there.
      const source = file.quarantineKey ? { stage: 'quarantine' as const, key: file.quarantineKey } : { stage: 'draft' as const, key: file.draftKey };
      await this.store.copy(source, { stage: 'quarantine', key }, file.sha256);
      quarantineKeys[file.fileId] = key;
    }
    return quarantineKeys;
  }

  /** One at a time, so a crash leaves a clear prefix done; a storage failure leaves the rest for the next sweep. */
  private async deleteDrafts(requestId: string, keys: string[]): Promise<void> {
    for (const key of keys) {
      try {
        await this.store.delete('draft', key);
      } catch (error) {
        if (!(error instanceof StorageError)) throw error;
        this.logger.warn({ err: error, requestId, key, code: 'DRAFT_NOT_DELETED' }, 'draft left after submission; the next submit sweeps it');
        return;
      }
    }
  }
}
