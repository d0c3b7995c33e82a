import type { KeyObject } from 'node:crypto';
import type { DbResult, Queryable } from '@airlock/database';
import type { ChainHead, ChainLink } from './audit-chain';
import { ChainVerifier, type ChainVerdict } from './chain-verifier';
import { publicKeyFromPem, verifyCheckpoint, type Checkpoint } from './checkpoint';

// Reading the chain as stored by the audit service (tables created by its migrations), shared by
// the service's verify endpoint and `npx airlock-audit verify`, which reads the database directly.
export const AUDIT_TABLES = { records: 'audit_records', checkpoints: 'audit_checkpoints' } as const;

export type ChainRange = { from?: number; to?: number; pageSize?: number };

type LinkRow = { position: string; prev_hash: string; record_hash: string; body: string };
type CheckpointRow = { position: string; head_hash: string; signed_at: string; key_id: string; signature: string; public_key: string };

const toLink = (row: LinkRow): ChainLink => ({ position: Number(row.position), prevHash: row.prev_hash, recordHash: row.record_hash, body: row.body });

export function toCheckpoint(row: CheckpointRow): Checkpoint & { publicKeyPem: string } {
  return {
    position: Number(row.position),
    headHash: row.head_hash,
    signedAt: row.signed_at,
    keyId: row.key_id,
    algorithm: 'Ed25519',
    signature: row.signature,
    publicKeyPem: row.public_key,
  };
}

/**
 * Pages of the chain in position order, `from..to` inclusive (keyset on the primary key). The next
 * page is requested before the current one is handed out, so the database works while we hash.
 */
export async function* readChainPages(
  db: Queryable,
  { from = 1, to = Number.MAX_SAFE_INTEGER, pageSize = 5_000 }: ChainRange = {},
): AsyncGenerator<ChainLink[]> {
  const fetch = (after: number): Promise<DbResult<LinkRow>> =>
    db.query<LinkRow>(
      `SELECT position, prev_hash, record_hash, body FROM ${AUDIT_TABLES.records} WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3`,
      [after, to, pageSize],
    );
  let next: Promise<DbResult<LinkRow>> | undefined = fetch(from - 1);
  while (next) {
    const { rows }: DbResult<LinkRow> = await next;
    const last = rows[rows.length - 1];
    next = rows.length === pageSize && Number(last.position) < to ? fetch(Number(last.position)) : undefined;
    yield rows.map(toLink);
  }
}

export async function chainHead(db: Queryable): Promise<ChainHead> {
  const { rows } = await db.query<{ position: string; record_hash: string }>(
    `SELECT position, record_hash FROM ${AUDIT_TABLES.records} ORDER BY position DESC LIMIT 1`,
  );
  return rows[0] ? { position: Number(rows[0].position), recordHash: rows[0].record_hash } : { position: 0, recordHash: '0'.repeat(64) };
}

export async function readCheckpoints(
  db: Queryable,
  { from = 1, to = Number.MAX_SAFE_INTEGER }: ChainRange = {},
): Promise<(Checkpoint & { publicKeyPem: string })[]> {
  const { rows } = await db.query<CheckpointRow>(
    `SELECT position, head_hash, signed_at, key_id, signature, public_key FROM ${AUDIT_TABLES.checkpoints} WHERE position >= $1 AND position <= $2 ORDER BY position`,
    [from, to],
  );
  return rows.map(toCheckpoint);
}

export type ChainRangeErrorCode = 'AUDIT_RANGE_INVALID' | 'AUDIT_RANGE_REVERSED' | 'AUDIT_RANGE_BEYOND_END';

/** A range the stored chain cannot answer: the caller's mistake (400, or a CLI usage error), never tampering. */
export class ChainRangeError extends Error {
  constructor(
    readonly code: ChainRangeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ChainRangeError';
  }
}

const isPosition = (n: number) => Number.isSafeInteger(n) && n >= 1;

/** Highest signed position, whatever its key: a signature past the last record shows records were cut off. */
async function highestCheckpoint(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ position: string | null }>(`SELECT max(position) AS position FROM ${AUDIT_TABLES.checkpoints}`);
  return Number(rows[0]?.position ?? 0);
}

/**
 * Refuses a range that is not one before reading it, so that reading nothing is never mistaken for
 * deleted records. A start past the last record is refused too, unless a checkpoint was signed past
 * the last record: then the records were cut off the end, and that is reported as tampering.
 */
async function checkRange(db: Queryable, from: number, to: number | undefined): Promise<{ truncatedThrough?: number; head: number }> {
  if (!isPosition(from) || (to !== undefined && !isPosition(to)))
    throw new ChainRangeError('AUDIT_RANGE_INVALID', 'from and to must be positions: integers from 1');
  if (to !== undefined && from > to) throw new ChainRangeError('AUDIT_RANGE_REVERSED', `from (${from}) must not be after to (${to})`);
  if (from === 1) return { head: 0 };
  const head = (await chainHead(db)).position;
  if (from <= head) return { head };
  const signed = await highestCheckpoint(db);
  if (signed > head) return { truncatedThrough: signed, head };
  throw new ChainRangeError('AUDIT_RANGE_BEYOND_END', `from (${from}) is beyond the end of the chain (last record ${head})`);
}

export type CheckpointProblem = { position: number; keyId: string; reason: 'unknown-key' | 'bad-signature' | 'malformed' };
export type StoredChainVerdict = ChainVerdict & {
  from: number;
  to: number | null;
  /**
   * `unverified`: signed by a key not among the trusted ones (neither the current key nor a retired
   * one): not relied on, and the verdict is invalid, since after a rotation every genuine checkpoint
   * is signed by a key the verifier was given (docs/operations.md, rotating the audit signing key).
   */
  checkpoints: { checked: number; unverified: CheckpointProblem[] };
};

/**
 * Verifies `from..to` as stored, streaming page by page (memory does not grow with the chain), and
 * checks every checkpoint in the range: its signature, and that the chain still passes through it.
 * `trustedKeys`: public keys obtained out of band; without them each checkpoint is checked against
 * the key stored beside it, which proves integrity since signing but not who signed.
 * Throws `ChainRangeError` for a range that is not one (see `checkRange`).
 */
export async function verifyStoredChain(
  db: Queryable,
  { from = 1, to, pageSize = 5_000, trustedKeys }: ChainRange & { trustedKeys?: KeyObject[] } = {},
): Promise<StoredChainVerdict> {
  const { truncatedThrough, head } = await checkRange(db, from, to);
  if (truncatedThrough !== undefined) {
    const detail = `records ${head + 1}..${truncatedThrough} are missing although checkpoint ${truncatedThrough} was signed`;
    return {
      valid: false,
      count: 0,
      firstInvalidPosition: head + 1,
      kind: 'deleted',
      detail,
      checkpointsMatched: 0,
      from,
      to: to ?? null,
      checkpoints: { checked: 0, unverified: [] },
    };
  }
  const checkpoints = await readCheckpoints(db, { from, to });
  const unverified: CheckpointProblem[] = [];
  const forged: CheckpointProblem[] = [];
  const signedHeads = checkpoints.filter((c) => {
    const checks = (trustedKeys ?? [publicKeyFromPem(c.publicKeyPem)]).map((key) => verifyCheckpoint(key, c));
    if (checks.some((check) => check.valid)) return true;
    const failed = checks.find((check) => !check.valid && check.reason !== 'unknown-key');
    // A trusted key's checkpoint whose signature fails was altered; one of an unknown key proves nothing either way.
    if (failed && !failed.valid) forged.push({ position: c.position, keyId: c.keyId, reason: failed.reason });
    else unverified.push({ position: c.position, keyId: c.keyId, reason: 'unknown-key' });
    return false;
  });
  const verifier = new ChainVerifier({ from, signedHeads: signedHeads.map((c) => ({ position: c.position, headHash: c.headHash })) });
  // From above 1, record from-1 anchors the range.
  for await (const page of readChainPages(db, { from: Math.max(1, from - 1), to, pageSize })) {
    for (const link of page) verifier.push(link);
    if (verifier.done) break;
  }
  const verdict = verifier.finish();
  const context = { from, to: to ?? null, checkpoints: { checked: checkpoints.length, unverified } };
  const first = forged[0];
  if (verdict.valid && first) {
    const detail = `checkpoint ${first.position} does not verify with its key (${first.reason}): the checkpoints table was altered`;
    return {
      valid: false,
      count: verdict.count,
      firstInvalidPosition: first.position,
      kind: 'altered',
      detail,
      checkpointsMatched: verdict.checkpointsMatched,
      ...context,
    };
  }
  const stranger = unverified[0];
  if (verdict.valid && stranger) {
    const detail = `checkpoint ${stranger.position} is signed by key ${stranger.keyId}, which is neither the current nor a retired checkpoint key`;
    return {
      valid: false,
      count: verdict.count,
      firstInvalidPosition: stranger.position,
      kind: 'altered',
      detail,
      checkpointsMatched: verdict.checkpointsMatched,
      ...context,
    };
  }
  return { ...verdict, ...context };
}
