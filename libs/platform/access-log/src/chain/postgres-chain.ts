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

/** A database that streams `COPY ... TO STDOUT` (the `Db` of @airlock/database). */
type CopySource = Queryable & { copyOut(sql: string, onData: (chunk: Buffer) => void): Promise<void> };
const canCopy = (db: Queryable): db is CopySource => typeof (db as Partial<CopySource>).copyOut === 'function';

// Rows per COPY statement: large enough that the round trip between them is noise, small enough
// that a verification stopping at an early finding does not read the whole table first.
const COPY_PAGE = 100_000;
const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const COPY_HEADER_BYTES = 19;

/**
 * Reads COPY's binary format for rows of (position bigint, prev_hash text, record_hash text, body
 * text): text columns arrive as their UTF-8 bytes, so a record is hashed from the bytes PostgreSQL
 * sent, with no decoding into strings. A tuple split across chunks is joined.
 */
export class ChainCopyParser {
  private headerSeen = false;
  private rest: Buffer | undefined;
  /** Position of the last record parsed (0 before any). */
  lastPosition = 0;
  count = 0;

  constructor(private readonly onLink: (link: ChainLink) => void) {}

  push(chunk: Buffer): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    let at = 0;
    if (!this.headerSeen) {
      if (buf.length < COPY_HEADER_BYTES) return void (this.rest = Buffer.from(buf));
      if (!buf.subarray(0, COPY_SIGNATURE.length).equals(COPY_SIGNATURE)) throw new Error('not COPY binary output');
      at = COPY_HEADER_BYTES + buf.readUInt32BE(15);
      this.headerSeen = true;
    }
    while (at + 2 <= buf.length) {
      const fields = buf.readInt16BE(at);
      if (fields === -1) {
        at += 2;
        continue;
      }
      if (fields !== 4) throw new Error(`COPY row of ${fields} columns, expected 4`);
      const end = this.tupleEnd(buf, at + 2);
      if (end < 0) break;
      let p = at + 2;
      const field = (): Buffer => {
        const length = buf.readInt32BE(p);
        p += 4;
        // A NULL (possible only if the table's constraints were removed) hashes as empty: it fails verification.
        if (length < 0) return Buffer.alloc(0);
        p += length;
        return buf.subarray(p - length, p);
      };
      const positionBytes = field();
      const position = positionBytes.length === 8 ? Number(positionBytes.readBigInt64BE(0)) : 0;
      const prevHash = field().toString('latin1');
      const recordHash = field().toString('latin1');
      // pg reuses its read buffer for the next socket data: the body is kept past this call (the
      // verifier judges a record when the next one arrives), so it is copied out.
      const body = Buffer.from(field());
      at = end;
      this.lastPosition = position;
      this.count += 1;
      this.onLink({ position, prevHash, recordHash, body });
    }
    if (at < buf.length) this.rest = Buffer.from(buf.subarray(at));
  }

  /** Where the tuple whose fields start at `at` ends, or -1 if the buffer holds only part of it. */
  private tupleEnd(buf: Buffer, at: number): number {
    let p = at;
    for (let i = 0; i < 4; i += 1) {
      if (p + 4 > buf.length) return -1;
      const length = buf.readInt32BE(p);
      p += 4 + Math.max(0, length);
    }
    return p <= buf.length ? p : -1;
  }
}

/**
 * Hands `from..to` to `onLink` in position order until `stop()` says so. Through binary COPY when
 * the database offers it (several times faster: no row objects, no strings), else page by page.
 */
async function streamChain(
  db: Queryable,
  { from, to, pageSize }: { from: number; to: number; pageSize: number },
  onLink: (link: ChainLink) => void,
  stop: () => boolean,
): Promise<void> {
  let after = from - 1;
  // Inlined into COPY's text (it takes no parameters): integers only.
  if (!Number.isSafeInteger(after) || !Number.isSafeInteger(to))
    throw new ChainRangeError('AUDIT_RANGE_INVALID', 'from and to must be positions: integers from 1');
  if (canCopy(db)) {
    for (;;) {
      const parser = new ChainCopyParser((link) => {
        if (!stop()) onLink(link);
      });
      try {
        await db.copyOut(
          `COPY (SELECT position, prev_hash, record_hash, body FROM ${AUDIT_TABLES.records}
           WHERE position > ${after} AND position <= ${to} ORDER BY position LIMIT ${COPY_PAGE}) TO STDOUT (FORMAT binary)`,
          (chunk) => parser.push(chunk),
        );
      } catch (error) {
        // A server without COPY to the client (none we ship): read the same range page by page.
        if (after === from - 1 && parser.count === 0) break;
        throw error;
      }
      if (parser.count < COPY_PAGE || parser.lastPosition >= to || stop()) return;
      after = parser.lastPosition;
    }
  }
  for await (const page of readChainPages(db, { from: after + 1, to, pageSize })) {
    for (const link of page) onLink(link);
    if (stop()) return;
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
  await streamChain(
    db,
    { from: Math.max(1, from - 1), to: to ?? Number.MAX_SAFE_INTEGER, pageSize },
    (link) => verifier.push(link),
    () => verifier.done,
  );
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
