import { chainHash, GENESIS, type ChainHead, type ChainLink } from './audit-chain';

/**
 * What verification found first. `rewritten`: the chain is internally consistent but no longer
 * ends in a hash that was signed, so it was recomputed after a change somewhere in `after..position`.
 */
export type TamperKind = 'altered' | 'deleted' | 'inserted' | 'reordered' | 'rewritten';

export type ChainFinding = { kind: TamperKind; position: number; detail: string };

export type SignedHead = { position: number; headHash: string };

export type ChainVerdict =
  | { valid: true; count: number; firstPosition: number | null; lastPosition: number | null; headHash: string; checkpointsMatched: number }
  | { valid: false; count: number; firstInvalidPosition: number; kind: TamperKind; detail: string; checkpointsMatched: number };

export type ChainVerifierOptions = {
  /** First position to verify. Above 1, the first record pushed must be `from - 1`: it anchors the range. */
  from?: number;
  /** Trust this head instead of reading `from - 1` (an export verified against its own first link). */
  anchor?: ChainHead;
  /** Signed heads (checkpoints) inside the range, checked as the chain passes them. */
  signedHeads?: readonly SignedHead[];
};

// How far a record's hash is searched for at other positions, to tell a renumbered or moved
// record from an edited one. Only runs once, at the first failure.
const MOVE_WINDOW = 64;

/**
 * Streams over records in position order, keeping O(1) state, and names the first record that was
 * altered, deleted, inserted or reordered. Each record is judged when the next arrives (one record of
 * look-ahead tells an insertion or a swap from an edit), so call `finish()` after the last push.
 */
export class ChainVerifier {
  private last: ChainHead;
  private beforeLast: ChainHead | undefined;
  private pending: ChainLink | undefined;
  private anchorWanted: number | undefined;
  private finding: ChainFinding | undefined;
  private count = 0;
  private firstPosition: number | null = null;
  private readonly from: number;
  private readonly signed: Map<number, string>;
  private matched = 0;

  constructor(options: ChainVerifierOptions = {}) {
    this.from = options.anchor ? options.anchor.position + 1 : (options.from ?? 1);
    this.last = options.anchor ?? GENESIS;
    this.anchorWanted = options.anchor || this.from <= 1 ? undefined : this.from - 1;
    this.signed = new Map((options.signedHeads ?? []).map((s) => [s.position, s.headHash]));
  }

  /** True once a finding is made: the caller may stop reading. */
  get done(): boolean {
    return this.finding !== undefined;
  }

  push(link: ChainLink): void {
    if (this.finding) return;
    if (this.anchorWanted !== undefined) return this.takeAnchor(link);
    if (this.pending) this.evaluate(this.pending, link);
    this.pending = link;
  }

  finish(): ChainVerdict {
    if (!this.finding && this.anchorWanted !== undefined) {
      this.finding = { kind: 'deleted', position: this.anchorWanted, detail: `record ${this.anchorWanted}, which anchors the range, is missing` };
    }
    if (!this.finding && this.pending) this.evaluate(this.pending, undefined);
    this.pending = undefined;
    if (!this.finding) this.checkTruncation();
    if (this.finding) {
      const { kind, position, detail } = this.finding;
      return { valid: false, count: this.count, firstInvalidPosition: position, kind, detail, checkpointsMatched: this.matched };
    }
    const lastPosition = this.count > 0 ? this.last.position : null;
    return {
      valid: true,
      count: this.count,
      firstPosition: this.firstPosition,
      lastPosition,
      headHash: this.last.recordHash,
      checkpointsMatched: this.matched,
    };
  }

  private takeAnchor(link: ChainLink): void {
    const wanted = this.anchorWanted as number;
    this.anchorWanted = undefined;
    if (link.position !== wanted) {
      this.finding = { kind: 'deleted', position: wanted, detail: `record ${wanted}, which anchors the range, is missing` };
    } else if (chainHash(link.position, link.prevHash, link.body) !== link.recordHash) {
      this.finding = { kind: 'altered', position: wanted, detail: `record ${wanted} does not hash to its recorded hash` };
    } else {
      this.last = { position: link.position, recordHash: link.recordHash };
    }
  }

  private evaluate(link: ChainLink, next: ChainLink | undefined): void {
    const expected = this.last.position + 1;
    const intact =
      link.position === expected && link.prevHash === this.last.recordHash && chainHash(link.position, link.prevHash, link.body) === link.recordHash;
    if (!intact) {
      this.finding = classify(link, next, this.beforeLast, this.last);
      return;
    }
    const signedHash = this.signed.get(link.position);
    if (signedHash !== undefined && signedHash !== link.recordHash) {
      const after = Math.max(this.from - 1, ...[...this.signed.keys()].filter((p) => p < link.position && p >= this.from - 1));
      this.finding = {
        kind: 'rewritten',
        position: link.position,
        detail: `record ${link.position} does not match its signed checkpoint: the chain was recomputed after a change in records ${after + 1}..${link.position}`,
      };
      return;
    }
    if (signedHash !== undefined) this.matched += 1;
    this.beforeLast = this.last;
    this.last = { position: link.position, recordHash: link.recordHash };
    this.firstPosition ??= link.position;
    this.count += 1;
  }

  /** A signed head beyond the last record means records were cut off the end. */
  private checkTruncation(): void {
    const beyond = [...this.signed.keys()].filter((p) => p > this.last.position).sort((a, b) => a - b)[0];
    if (beyond !== undefined) {
      this.finding = {
        kind: 'deleted',
        position: this.last.position + 1,
        detail: `records ${this.last.position + 1}..${beyond} are missing although checkpoint ${beyond} was signed`,
      };
    }
  }
}

/** Where a record's own hash says it belongs, searching near where it is now; undefined if nowhere (edited). */
function originalPosition(link: ChainLink): number | undefined {
  if (chainHash(link.position, link.prevHash, link.body) === link.recordHash) return link.position;
  for (let d = 1; d <= MOVE_WINDOW; d += 1) {
    for (const p of [link.position + d, link.position - d]) {
      if (p > 0 && chainHash(p, link.prevHash, link.body) === link.recordHash) return p;
    }
  }
  return undefined;
}

function shiftOf(link: ChainLink): number | undefined {
  const original = originalPosition(link);
  return original === undefined ? undefined : original - link.position;
}

function classify(link: ChainLink, next: ChainLink | undefined, beforeLast: ChainHead | undefined, last: ChainHead): ChainFinding {
  const expected = last.position + 1;
  if (link.position > expected) {
    const through = link.position - 1;
    return {
      kind: 'deleted',
      position: expected,
      detail: through === expected ? `record ${expected} is missing` : `records ${expected}..${through} are missing`,
    };
  }
  if (link.position < expected) return { kind: 'reordered', position: link.position, detail: `record ${link.position} appears after record ${last.position}` };
  const shift = shiftOf(link);
  // The previous record sits between two records that link to each other: it was slipped in.
  if (beforeLast && link.prevHash === beforeLast.recordHash && (shift === 0 || shift === -1)) {
    return {
      kind: 'inserted',
      position: last.position,
      detail: `record ${last.position} is not part of the chain: record ${link.position} links to record ${beforeLast.position}`,
    };
  }
  if (shift === 0) {
    // Self-consistent but not linked: the record before it was edited and re-hashed.
    if (last.position === 0) return { kind: 'altered', position: link.position, detail: `record ${link.position} does not start from the genesis hash` };
    return {
      kind: 'altered',
      position: last.position,
      detail: `record ${last.position} was changed and re-hashed: record ${link.position} still links to its original hash`,
    };
  }
  if (shift !== undefined && shift > 0) {
    if (next && shiftOf(next) !== shift) {
      return { kind: 'reordered', position: link.position, detail: `record ${link.position} holds the record that was at position ${link.position + shift}` };
    }
    return {
      kind: 'deleted',
      position: link.position,
      detail:
        shift === 1
          ? `record ${link.position} was deleted and the records after it renumbered`
          : `records ${link.position}..${link.position + shift - 1} were deleted and the records after them renumbered`,
    };
  }
  if (shift !== undefined)
    return { kind: 'reordered', position: link.position, detail: `record ${link.position} holds the record that was at position ${link.position + shift}` };
  // Nowhere does its hash fit: edited in place, unless the next record skips over it.
  if (next && next.prevHash === last.recordHash && shiftOf(next) === -1) {
    return {
      kind: 'inserted',
      position: link.position,
      detail: `record ${link.position} is not part of the chain: record ${next.position} links to record ${last.position}`,
    };
  }
  return { kind: 'altered', position: link.position, detail: `record ${link.position} does not hash to its recorded hash` };
}
