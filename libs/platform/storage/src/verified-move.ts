import type { ObjectRef, ObjectStore } from './object-store.port';
import { ObjectNotFoundError } from './storage.errors';

export type MoveOutcome = 'moved' | 'already-moved';

const codeOf = (error: unknown): string | undefined => (error as { code?: string })?.code;

/**
 * Moves an object between stages so that a crash after any step leaves a state the next call
 * completes (docs/design.md invariant 7), and the bytes are never lost:
 *   1. copy, verified by re-hashing the destination (a destination already holding the bytes is
 *      simply written again);
 *   2. delete the source, only once the destination is verified.
 * A source that is gone means an earlier attempt got past step 2: that attempt counts as done when
 * the destination re-hashes to `sha256`; otherwise the bytes are nowhere and ObjectNotFoundError says so.
 */
export async function moveVerified(store: ObjectStore, from: ObjectRef, to: ObjectRef, sha256: string): Promise<MoveOutcome> {
  try {
    await store.copy(from, to, sha256);
  } catch (error) {
    if (codeOf(error) !== 'OBJECT_NOT_FOUND') throw error;
    if (!(await holds(store, to, sha256))) throw new ObjectNotFoundError(from.stage, from.key);
    return 'already-moved';
  }
  await store.delete(from.stage, from.key);
  return 'moved';
}

/** True when `ref` exists and its bytes (re-read, not the recorded metadata) hash to `sha256`. */
export async function holds(store: ObjectStore, ref: ObjectRef, sha256: string): Promise<boolean> {
  try {
    return (await store.hash(ref.stage, ref.key)).sha256 === sha256.toLowerCase();
  } catch (error) {
    if (codeOf(error) === 'OBJECT_NOT_FOUND') return false;
    throw error;
  }
}
