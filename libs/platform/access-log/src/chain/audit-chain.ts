import { createHash, hash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

// The audit chain (ADR 0003). Record n commits to its position, to the hash of record n-1 and to
// its body, so altering, deleting, inserting or reordering any record breaks a hash:
//
//   recordHash(n) = SHA-256( "<n>\n<recordHash(n-1)>\n<body(n)>" ),  recordHash(0) = 64 zeros
//   body          = canonical JSON of { envelope, recordedAt, topic }
//
// The body is stored as the exact bytes hashed, so verifying is one SHA-256 per record, no parsing.
export const CHAIN_VERSION = 'airlock-audit/v1';
export const GENESIS_HASH = '0'.repeat(64);

export type RecordContent = { envelope: unknown; recordedAt: string; topic: string };

/** A record as stored and exported: its place in the chain and the exact bytes that were hashed. */
export type ChainLink = { position: number; prevHash: string; recordHash: string; body: string | Buffer };

export type ChainHead = { position: number; recordHash: string };

export const GENESIS: ChainHead = { position: 0, recordHash: GENESIS_HASH };

export function recordBody(content: RecordContent): string {
  return canonicalJson({ envelope: content.envelope, recordedAt: content.recordedAt, topic: content.topic });
}

// Hashing is run once per record (appending, verifying): a one-shot digest of the bytes laid out in
// one reused buffer costs a few microseconds less a record than a Hash object fed twice.
const SCRATCH = Buffer.allocUnsafe(64 * 1024);

export function chainHash(position: number, prevHash: string, body: string | Buffer): string {
  const prefix = `${position}\n${prevHash}\n`;
  // 3 bytes a UTF-16 unit at most: when it surely fits, the scratch buffer holds prefix and body.
  const bodyRoom = Buffer.isBuffer(body) ? body.length : body.length * 3;
  if (typeof hash === 'function' && prefix.length * 3 + bodyRoom <= SCRATCH.length) {
    let n = SCRATCH.write(prefix, 0, 'utf8');
    n += Buffer.isBuffer(body) ? body.copy(SCRATCH, n) : SCRATCH.write(body, n, 'utf8');
    return hash('sha256', SCRATCH.subarray(0, n), 'hex');
  }
  return createHash('sha256').update(prefix).update(body).digest('hex');
}

/** The bytes `chainHash` hashes, for measuring raw hashing of the same data (bench). */
export function chainedBytes(link: Pick<ChainLink, 'position' | 'prevHash' | 'body'>): Buffer {
  return Buffer.concat([Buffer.from(`${link.position}\n${link.prevHash}\n`), Buffer.isBuffer(link.body) ? link.body : Buffer.from(link.body)]);
}

export function nextLink(head: ChainHead, body: string): ChainLink {
  const position = head.position + 1;
  return { position, prevHash: head.recordHash, recordHash: chainHash(position, head.recordHash, body), body };
}

export function parseBody(link: Pick<ChainLink, 'body'>): RecordContent {
  return JSON.parse(link.body.toString()) as RecordContent;
}
