import type { KeyObject } from 'node:crypto';
import { chainHash, GENESIS, type ChainLink } from './audit-chain';
import { ChainVerifier, type ChainFinding } from './chain-verifier';
import { isCheckpoint, verifyCheckpoint, type Checkpoint } from './checkpoint';
import { parseExportLine, type ExportHeader } from './export-format';

export type ExportStatus = 'verified' | 'tampered' | 'unsigned' | 'unreadable';

export type ExportVerdict = {
  /** True only when every record checks and a valid signature covers them. */
  valid: boolean;
  status: ExportStatus;
  records: number;
  firstPosition: number | null;
  lastPosition: number | null;
  /** The records `firstPosition..signedThrough` are bound to a checkpoint signed by the given key. */
  signedThrough: number | null;
  /** Records after the newest checkpoint: chained, but no signature covers them yet. */
  unsignedRecords: number;
  checkpoints: { position: number; keyId: string; signedAt: string; signature: 'valid' | 'unknown-key' | 'bad-signature' | 'malformed' }[];
  finding?: ChainFinding;
  reason?: string;
};

/**
 * Verifies an export offline, line by line, with O(1) memory: every record's hash, the links
 * between consecutive records, and the signed checkpoint(s) the file carries, against a public key
 * obtained out of band (`GET /audit/public-key`).
 */
export class ExportVerifier {
  private header: ExportHeader | undefined;
  private readonly checkpoints: Checkpoint[] = [];
  private readonly checks: ExportVerdict['checkpoints'] = [];
  private chain: ChainVerifier | undefined;
  private records = 0;
  private firstPosition: number | null = null;
  private lastLink: ChainLink | undefined;
  private finding: ChainFinding | undefined;
  private unreadable: string | undefined;
  private lineNumber = 0;

  constructor(private readonly publicKey: KeyObject) {}

  get done(): boolean {
    return this.finding !== undefined || this.unreadable !== undefined || (this.chain?.done ?? false);
  }

  line(bytes: Buffer): void {
    this.lineNumber += 1;
    if (this.done) return;
    const parsed = parseExportLine(bytes);
    switch (parsed.kind) {
      case 'blank':
        return;
      case 'unreadable':
        this.unreadable = `line ${this.lineNumber}: ${parsed.reason}`;
        return;
      case 'header':
        this.header = parsed.header;
        return;
      case 'checkpoint':
        return this.takeCheckpoint(parsed.checkpoint);
      case 'record':
        return this.takeRecord(parsed.link);
    }
  }

  finish(): ExportVerdict {
    const verdict = this.chain?.finish();
    if (verdict && !verdict.valid) this.finding ??= { kind: verdict.kind, position: verdict.firstInvalidPosition, detail: verdict.detail };
    const lastPosition = this.lastLink?.position ?? null;
    const signedThrough = this.signedThrough(lastPosition);
    const base = {
      records: this.records,
      firstPosition: this.firstPosition,
      lastPosition,
      checkpoints: this.checks,
      signedThrough,
      unsignedRecords: signedThrough === null || lastPosition === null ? this.records : lastPosition - signedThrough,
    };
    if (this.unreadable) return { ...base, valid: false, status: 'unreadable', signedThrough: null, reason: this.unreadable };
    if (this.finding) return { ...base, valid: false, status: 'tampered', signedThrough: null, finding: this.finding };
    if (this.checks.some((c) => c.signature !== 'valid'))
      return { ...base, valid: false, status: 'tampered', signedThrough: null, reason: 'a checkpoint signature does not verify with the given public key' };
    if (signedThrough === null) return { ...base, valid: false, status: 'unsigned', reason: this.unsignedReason() };
    return { ...base, valid: true, status: 'verified' };
  }

  private isFiltered(): boolean {
    return Object.keys(this.header?.filter ?? {}).length > 0;
  }

  private takeCheckpoint(value: unknown): void {
    if (this.records > 0) {
      this.unreadable = `line ${this.lineNumber}: checkpoints must precede the records`;
      return;
    }
    if (!isCheckpoint(value)) {
      this.checks.push({ position: -1, keyId: '', signedAt: '', signature: 'malformed' });
      return;
    }
    const check = verifyCheckpoint(this.publicKey, value);
    this.checks.push({ position: value.position, keyId: value.keyId, signedAt: value.signedAt, signature: check.valid ? 'valid' : check.reason });
    if (check.valid) this.checkpoints.push(value);
  }

  private takeRecord(link: ChainLink): void {
    this.records += 1;
    if (this.firstPosition === null) {
      this.firstPosition = link.position;
      // The file cannot prove the link before its first record; the signature over a later head binds it.
      const signedHeads = this.checkpoints.filter((c) => c.position >= link.position).map((c) => ({ position: c.position, headHash: c.headHash }));
      const anchor = link.position === 1 ? GENESIS : { position: link.position - 1, recordHash: link.prevHash };
      if (!this.isFiltered()) this.chain = new ChainVerifier({ anchor, signedHeads });
    }
    if (this.chain) this.chain.push(link);
    else this.checkSubsetRecord(link);
    this.lastLink = link;
  }

  /** A filtered export: each record must hash correctly, and consecutive ones must link. */
  private checkSubsetRecord(link: ChainLink): void {
    if (chainHash(link.position, link.prevHash, link.body) !== link.recordHash) {
      this.finding = { kind: 'altered', position: link.position, detail: `record ${link.position} does not hash to its recorded hash` };
    } else if (this.lastLink && link.position <= this.lastLink.position) {
      this.finding = { kind: 'reordered', position: link.position, detail: `record ${link.position} appears after record ${this.lastLink.position}` };
    } else if (this.lastLink && link.position === this.lastLink.position + 1 && link.prevHash !== this.lastLink.recordHash) {
      this.finding = { kind: 'altered', position: this.lastLink.position, detail: `record ${link.position} does not link to record ${this.lastLink.position}` };
    }
  }

  private signedThrough(lastPosition: number | null): number | null {
    if (this.isFiltered() || lastPosition === null || this.firstPosition === null) return null;
    const covering = this.checkpoints.map((c) => c.position).filter((p) => p >= (this.firstPosition as number) && p <= lastPosition);
    return covering.length > 0 ? Math.max(...covering) : null;
  }

  private unsignedReason(): string {
    if (this.records === 0) return 'the file holds no records';
    if (this.isFiltered())
      return 'a filtered export is a subset of the chain: each record and consecutive link checks, but no signature can cover it; export a position range to verify against a checkpoint';
    if (this.checkpoints.length === 0) return 'the file carries no checkpoint signed by this key';
    return 'no checkpoint in the file falls within its records';
  }
}
