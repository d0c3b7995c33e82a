import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { MalformedEnvelopeError, parseEnvelope, wireType, type EventEnvelope } from '@airlock/contracts';
import { checkFile, type DisclosurePolicy } from '@airlock/disclosure-rules';
import { SYSTEM_ACTOR, type DisclosureThresholds, type RequestSubmitted, type SubmittedFile } from '@airlock/domain';
import { PermanentMessageError, type IdempotentConsumer, type ReceivedMessage } from '@airlock/messaging';
import type { CommandContext, RequestCommandHandler } from '@airlock/runtime';
import type { MalwareScanner } from '@airlock/scanning';
import type { ObjectStore } from '@airlock/storage';
import type { Logger } from 'pino';

const SUBMITTED = wireType('RequestSubmitted');

/**
 * Hands the rules every chunk while hashing it. The rules may stop early (an image needs only its
 * magic bytes); the hash must still cover every byte, so the rest is drained when they do.
 */
async function* hashedChunks(source: Readable, hash: Hash): AsyncGenerator<Uint8Array> {
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let finished = false;
  try {
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      hash.update(next.value);
      yield next.value;
    }
    finished = true;
  } finally {
    if (!finished) for (let next = await chunks.next(); !next.done; next = await chunks.next()) hash.update(next.value);
  }
}

/**
 * For each submitted file: malware scan first, then the disclosure rules, each recorded as an
 * event. Scanner or storage outages throw, so the message is retried and the request waits:
 * nothing is ever recorded clean by default (invariant 6).
 */
export class DisclosureCheckWorker {
  constructor(
    private readonly requests: RequestCommandHandler,
    private readonly store: ObjectStore,
    private readonly scanner: MalwareScanner,
    private readonly policy: DisclosurePolicy,
    private readonly consumer: IdempotentConsumer,
    private readonly logger: Logger,
  ) {}

  async onMessage(message: ReceivedMessage): Promise<void> {
    let envelope: EventEnvelope;
    try {
      envelope = parseEnvelope(message.value);
    } catch (error) {
      if (error instanceof MalformedEnvelopeError) throw new PermanentMessageError(error.message);
      throw error;
    }
    if (envelope.type !== SUBMITTED) return;
    await this.consumer.handle(envelope.id, () => this.checkSubmission(envelope as EventEnvelope<RequestSubmitted['data']>));
  }

  private async checkSubmission(envelope: EventEnvelope<RequestSubmitted['data']>): Promise<void> {
    const { requestId, turn, files, disclosure } = envelope.data;
    const policy = this.policyFor(disclosure ?? {});
    const context: CommandContext = { correlationId: envelope.correlationId, causationId: envelope.id };
    await this.requests.execute(requestId, (_s, at) => ({ type: 'StartChecks', actor: SYSTEM_ACTOR, at, data: { turn } }), context);
    for (const file of files) {
      const { state } = await this.requests.load(requestId);
      // A blocked, failed or resubmitted request needs nothing more from this turn.
      if (state.status !== 'checking' || state.turn !== turn) return;
      const current = state.files.find((f) => f.fileId === file.fileId);
      if (!current?.scan) {
        const infected = await this.scan(requestId, turn, file, context);
        if (infected) return;
      }
      if (!current?.check) await this.check(requestId, turn, file, context, policy);
    }
  }

  private async scan(requestId: string, turn: number, file: SubmittedFile, context: CommandContext): Promise<boolean> {
    const result = await this.scanner.scan(await this.store.getStream('quarantine', file.quarantineKey));
    this.logger.info({ requestId, fileId: file.fileId, sha256: file.sha256, scan: result.status }, 'file scanned');
    let blockedKey: string | undefined;
    if (result.status === 'infected') {
      blockedKey = file.quarantineKey;
      await this.store.copy({ stage: 'quarantine', key: file.quarantineKey }, { stage: 'blocked', key: blockedKey }, file.sha256);
      await this.store.delete('quarantine', file.quarantineKey);
    }
    const data = { turn, fileId: file.fileId, sha256: file.sha256, result, ...(blockedKey ? { blockedKey } : {}) };
    await this.requests.execute(requestId, (_s, at) => ({ type: 'RecordScan', actor: SYSTEM_ACTOR, at, data }), context);
    return result.status === 'infected';
  }

  /** The project's thresholds, recorded with the submission, over the airlock's defaults. */
  private policyFor(thresholds: DisclosureThresholds): DisclosurePolicy {
    const { minCellCount, ...rest } = thresholds;
    const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    return { ...this.policy, ...defined, ...(minCellCount !== undefined ? { threshold: minCellCount } : {}) };
  }

  private async check(requestId: string, turn: number, file: SubmittedFile, context: CommandContext, policy: DisclosurePolicy): Promise<void> {
    const hash = createHash('sha256');
    const source = await this.store.getStream('quarantine', file.quarantineKey);
    const result = await checkFile(file.name, hashedChunks(source, hash), policy);
    // Invariant 2: the bytes judged must be the bytes frozen at submission.
    const actual = hash.digest('hex');
    if (actual !== file.sha256) {
      this.logger.error({ requestId, fileId: file.fileId }, 'frozen file changed in quarantine');
      const reason = `file ${file.fileId} in quarantine no longer matches its submitted SHA-256`;
      await this.requests.execute(requestId, (_s, at) => ({ type: 'FailRequest', actor: SYSTEM_ACTOR, at, data: { reason } }), context);
      return;
    }
    this.logger.info({ requestId, fileId: file.fileId, verdict: result.verdict, rules: result.findings.map((f) => f.rule) }, 'file checked');
    const data = {
      turn, fileId: file.fileId, sha256: file.sha256, verdict: result.verdict, fileType: result.fileType.kind,
      findings: result.findings, rulesVersion: result.rulesVersion, policy: { ...result.policy },
    };
    await this.requests.execute(requestId, (_s, at) => ({ type: 'RecordCheck', actor: SYSTEM_ACTOR, at, data }), context);
  }
}
