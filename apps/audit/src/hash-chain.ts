import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

// Each audit record commits to its own content and to the hash of the record before it, so
// altering, deleting, inserting or reordering any record breaks every hash after it.
export const GENESIS_HASH = '0'.repeat(64);

export type ChainedRecord = {
  position: number;
  eventId: string;
  topic: string;
  envelope: unknown;
  recordedAt: string;
  prevHash: string;
  recordHash: string;
};

export function recordHash(record: Omit<ChainedRecord, 'recordHash'>): string {
  const { position, eventId, topic, envelope, recordedAt, prevHash } = record;
  return createHash('sha256').update(canonicalJson({ position, eventId, topic, envelope, recordedAt, prevHash })).digest('hex');
}

export type ChainVerdict =
  | { valid: true; count: number; head: string }
  | { valid: false; count: number; firstInvalidPosition: number; problem: 'content-altered' | 'broken-link' | 'gap-or-reorder' };

/** Checks records given in position order; `expectedPrev` lets a range start mid-chain. */
export function verifyChain(records: Iterable<ChainedRecord>, start: { position: number; prevHash: string } = { position: 1, prevHash: GENESIS_HASH }): ChainVerdict {
  let expectedPosition = start.position;
  let prev = start.prevHash;
  let count = 0;
  for (const record of records) {
    if (record.position !== expectedPosition) return { valid: false, count, firstInvalidPosition: record.position, problem: 'gap-or-reorder' };
    if (record.prevHash !== prev) return { valid: false, count, firstInvalidPosition: record.position, problem: 'broken-link' };
    if (recordHash(record) !== record.recordHash) return { valid: false, count, firstInvalidPosition: record.position, problem: 'content-altered' };
    prev = record.recordHash;
    expectedPosition += 1;
    count += 1;
  }
  return { valid: true, count, head: prev };
}
