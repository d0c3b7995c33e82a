import { ChainVerifier, GENESIS, keyIdOf, publicKeyPem, signCheckpoint, verifyCheckpoint, type Checkpoint, type SigningKey } from '@airlock/access-log';
import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditLogRepository } from './audit-log.repository';

export class ChainBrokenError extends Error {
  readonly code = 'AUDIT_CHAIN_BROKEN';
}

export type CheckpointerOptions = {
  intervalMs: number;
  everyRecords: number;
  /** Public keys of earlier signing keys: their checkpoints still verify, and anchor the new key's first one. */
  retiredKeys?: KeyObject[];
  clock?: () => Date;
  logger: Logger;
};

/**
 * Signs the chain head at intervals (and every N appends). Before signing it verifies the records
 * since its previous checkpoint, so a signature never vouches for a chain that was edited meanwhile.
 * After a key rotation the previous checkpoint may be a retired key's: checked with that key, it
 * anchors the new key's first checkpoint (docs/operations.md, rotating the audit signing key).
 */
export class Checkpointer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<Checkpoint | undefined> | undefined;
  private appendedSince = 0;
  private readonly publicKeyPem: string;
  private readonly clock: () => Date;
  /** Every key whose checkpoints are trusted, by key id: the current one first, then the retired ones. */
  private readonly trusted: Map<string, KeyObject>;

  constructor(
    private readonly log: AuditLogRepository,
    private readonly key: SigningKey,
    private readonly options: CheckpointerOptions,
  ) {
    this.publicKeyPem = publicKeyPem(key);
    this.clock = options.clock ?? (() => new Date());
    this.trusted = new Map([key.publicKey, ...(options.retiredKeys ?? [])].map((publicKey) => [keyIdOf(publicKey), publicKey]));
  }

  /** The current key and the retired ones: what verification of the stored chain trusts. */
  get trustedKeys(): KeyObject[] {
    return [...this.trusted.values()];
  }

  get keyId(): string {
    return this.key.keyId;
  }

  get verificationKey(): KeyObject {
    return this.key.publicKey;
  }

  get publicKey(): string {
    return this.publicKeyPem;
  }

  /**
   * Every key a verifier needs, the current one first: after a rotation, checkpoints signed by a
   * retired key still verify only if the verifier has that key too.
   */
  get publicKeys(): { keyId: string; status: 'current' | 'retired'; pem: string }[] {
    return [...this.trusted].map(([keyId, publicKey]) => ({
      keyId,
      status: keyId === this.key.keyId ? 'current' : 'retired',
      pem: keyId === this.key.keyId ? this.publicKeyPem : publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    }));
  }

  start(): void {
    this.timer = setInterval(() => void this.checkpointQuietly(), this.options.intervalMs);
    this.timer.unref();
    void this.checkpointQuietly();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  notifyAppended(count = 1): void {
    this.appendedSince += count;
    if (this.appendedSince >= this.options.everyRecords) void this.checkpointQuietly();
  }

  /** Signs the current head (one signer at a time in this process); returns the newest checkpoint. */
  checkpointNow(): Promise<Checkpoint | undefined> {
    this.running ??= this.checkpoint().finally(() => (this.running = undefined));
    return this.running;
  }

  /** The newest checkpoint of this key at or below `position`, signature checked. */
  async latest(atMost?: number): Promise<Checkpoint | undefined> {
    const stored = await this.log.latestCheckpoint(this.key.keyId, atMost);
    if (stored && !verifyCheckpoint(this.key.publicKey, stored).valid)
      throw new ChainBrokenError(`checkpoint ${stored.position} does not verify: the checkpoints table was altered`);
    return stored;
  }

  private async checkpointQuietly(): Promise<void> {
    try {
      await this.checkpointNow();
    } catch (error) {
      this.options.logger.error({ err: error }, 'audit checkpoint not signed');
    }
  }

  /** The newest checkpoint of the current or a retired key, checked with the key that signed it. */
  private async latestTrusted(): Promise<Checkpoint | undefined> {
    const stored = await this.log.latestCheckpoint([...this.trusted.keys()]);
    const key = stored && this.trusted.get(stored.keyId);
    if (stored && (!key || !verifyCheckpoint(key, stored).valid))
      throw new ChainBrokenError(`checkpoint ${stored.position} does not verify: the checkpoints table was altered`);
    return stored;
  }

  private async checkpoint(): Promise<Checkpoint | undefined> {
    this.appendedSince = 0;
    const previous = await this.latestTrusted();
    const head = await this.log.head();
    if (head.position === 0) return undefined;
    // Nothing new since the last signature (the current key's first one comes with the next record).
    if (previous && previous.position >= head.position) return previous;
    const anchor = previous ? { position: previous.position, recordHash: previous.headHash } : GENESIS;
    const verifier = new ChainVerifier({ anchor });
    for await (const page of this.log.pages(anchor.position + 1, head.position)) {
      for (const link of page) verifier.push(link);
      if (verifier.done) break;
    }
    const verdict = verifier.finish();
    if (!verdict.valid) throw new ChainBrokenError(`refusing to sign: record ${verdict.firstInvalidPosition} ${verdict.kind} (${verdict.detail})`);
    if (verdict.headHash !== head.recordHash || verdict.lastPosition !== head.position) throw new ChainBrokenError('the chain head moved under verification');
    // The query fields are written by the appender beside the hashed body (migration audit-005): a
    // signature vouches for them too, so they must still be what the body says.
    const mismatch = await this.log.metaMismatch(anchor.position + 1, head.position);
    if (mismatch !== undefined) throw new ChainBrokenError(`refusing to sign: record ${mismatch}'s query fields do not match its hashed body`);
    const checkpoint = signCheckpoint(this.key, { position: head.position, headHash: head.recordHash }, this.clock().toISOString());
    await this.log.saveCheckpoint(checkpoint, this.publicKeyPem);
    this.options.logger.info({ position: checkpoint.position, keyId: checkpoint.keyId }, 'audit checkpoint signed');
    return checkpoint;
  }
}
