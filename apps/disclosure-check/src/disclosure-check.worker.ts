import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { wireType, type EventEnvelope } from '@airlock/contracts';
import { checkFiles, type DisclosurePolicy, type FileInput, type FileResult } from '@airlock/disclosure-rules';
import { SYSTEM_ACTOR, type DisclosureThresholds, type RequestSubmitted, type SubmittedFile } from '@airlock/domain';
import type { IdempotentConsumer, ReceivedMessage } from '@airlock/messaging';
import { onceForEvents, type CommandContext, type RequestCommandHandler } from '@airlock/application';
import type { MalwareScanner } from '@airlock/scanning';
import { holds, moveVerified, ObjectNotFoundError, type ObjectStore } from '@airlock/storage';
import { inSpan } from '@airlock/telemetry';
import type { Logger } from 'pino';
import { disclosureCheckMetrics } from './disclosure-check.metrics';
import { domainOf } from './ledger/released-tables.repository';
import type { TurnDifferencing } from './ledger/turn-differencing';

const SUBMITTED = wireType('RequestSubmitted');
/** The only events the check acts on (its consumer group is handed no others). */
export const DISCLOSURE_CHECK_EVENT_TYPES = [SUBMITTED] as const;

/**
 * Hands the rules every chunk of a frozen file while hashing it. The rules may stop early (an image
 * needs only its magic bytes); the hash must still cover every byte, so the rest is drained when
 * they do. `digest` is null unless every byte went through the hash.
 */
const hashedSource = (open: () => Promise<Readable>) => {
  const hash = createHash('sha256');
  let complete = false;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const iterator = (await open())[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let finished = false;
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        hash.update(next.value);
        yield next.value;
      }
      finished = true;
    } finally {
      if (!finished) for (let next = await iterator.next(); !next.done; next = await iterator.next()) hash.update(next.value);
      complete = true;
    }
  }
  return { chunks: chunks(), digest: (): string | null => (complete ? hash.digest('hex') : null) };
};

/**
 * For each submitted file: malware scan first, then the disclosure rules over the turn's files
 * together, each verdict recorded as an event. Scanner or storage outages throw, so the message is retried and the request waits:
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
    /** The differencing checks against released tables, the request's other tables and earlier turns. */
    private readonly differencing?: TurnDifferencing,
  ) {}

  async onMessage(message: ReceivedMessage): Promise<void> {
    await onceForEvents<RequestSubmitted['data']>(DISCLOSURE_CHECK_EVENT_TYPES, this.consumer, (e) => this.checkSubmission(e))(message);
  }

  private async checkSubmission(envelope: EventEnvelope<RequestSubmitted['data']>): Promise<void> {
    const { requestId, turn, files, disclosure } = envelope.data;
    const policy = this.policyFor(disclosure ?? {});
    const context: CommandContext = { correlationId: envelope.correlationId, causationId: envelope.id };
    await this.requests.execute(requestId, (_s, at) => ({ type: 'StartChecks', actor: SYSTEM_ACTOR, at, data: { turn } }), context);
    for (const file of files) {
      const { state } = await this.requests.current(requestId);
      // A blocked, failed or resubmitted request needs nothing more from this turn.
      if (state.status !== 'checking' || state.turn !== turn) return;
      const current = state.files.find((f) => f.fileId === file.fileId);
      if (!current?.scan && (await this.scan(requestId, turn, file, context))) return;
    }
    await this.checkTurn(requestId, turn, files, context, policy, disclosure?.dataDomain);
  }

  /**
   * The disclosure rules over every file of the turn together: a table is judged with the evidence
   * file beside it, an ACRO results folder with its checksums. Each verdict not yet recorded is
   * recorded, after its bytes are proven to be the frozen ones.
   */
  private async checkTurn(
    requestId: string,
    turn: number,
    files: SubmittedFile[],
    context: CommandContext,
    policy: DisclosurePolicy,
    dataDomain: string | undefined,
  ): Promise<void> {
    const { state } = await this.requests.current(requestId);
    if (state.status !== 'checking' || state.turn !== turn) return;
    if (files.every((file) => state.files.find((f) => f.fileId === file.fileId)?.check)) return;
    const sources = new Map<string, ReturnType<typeof hashedSource>>();
    const inputs: FileInput[] = files.map((file) => ({
      // Each group is a folder: an evidence file pairs with its table, and an ACRO results folder
      // uploaded file by file speaks for its files, within one group only.
      name: `${file.group}/${file.name}`,
      kind: file.kind,
      open: () => {
        const source = hashedSource(() => this.store.getStream('quarantine', file.quarantineKey));
        sources.set(file.fileId, source);
        return source.chunks;
      },
    }));
    const results = await inSpan(
      'disclosure check',
      { 'airlock.request_id': requestId, 'airlock.turn': turn, 'airlock.file_count': files.length },
      async (span) => {
        const timer = disclosureCheckMetrics.checkDuration.startTimer();
        const checked = await checkFiles(inputs, policy);
        const turnToCheck = { requestId, turn, domain: domainOf(state.projectId, dataDomain), files, history: state.history };
        const verdicts = this.differencing ? await this.differencing.apply(turnToCheck, checked, policy) : checked;
        timer();
        span.setAttribute(
          'airlock.verdicts',
          verdicts.map((result) => result.verdict),
        );
        return verdicts;
      },
    );
    for (const [index, file] of files.entries()) {
      const { state: now } = await this.requests.current(requestId);
      if (now.status !== 'checking' || now.turn !== turn) return;
      if (now.files.find((f) => f.fileId === file.fileId)?.check) continue;
      const recorded = await this.record(requestId, turn, file, results[index], sources.get(file.fileId)?.digest() ?? null, context);
      if (!recorded) return;
    }
  }

  private async scan(requestId: string, turn: number, file: SubmittedFile, context: CommandContext): Promise<boolean> {
    const key = file.quarantineKey;
    const opened = await this.openFrozen(file);
    if (!opened) {
      // Neither frozen nor blocked copy holds the submitted bytes: no retry brings them back.
      const reason = `file ${file.fileId} is missing from quarantine`;
      await this.requests.execute(requestId, (_s, at) => ({ type: 'FailRequest', actor: SYSTEM_ACTOR, at, data: { reason } }), context);
      return true;
    }
    // A redelivery after a crash mid-block finds the bytes in `blocked` and scans them there.
    const { stage, body } = opened;
    const result = await inSpan(
      'malware scan',
      { 'airlock.request_id': requestId, 'airlock.file_id': file.fileId, 'airlock.sha256': file.sha256, 'airlock.stage': stage },
      async (span) => {
        const timer = disclosureCheckMetrics.scanDuration.startTimer();
        try {
          const scanned = await this.scanner.scan(body);
          timer({ result: scanned.status });
          span.setAttribute('airlock.scan.status', scanned.status);
          return scanned;
        } catch (error) {
          timer({ result: 'error' });
          body.destroy(); // a scanner that failed before reading it all must not leave the download open
          throw error;
        }
      },
    );
    this.logger.info({ requestId, fileId: file.fileId, sha256: file.sha256, scan: result.status, stage }, 'file scanned');
    if (stage === 'blocked' && result.status !== 'infected') {
      // Only this worker writes `blocked`, after an infected verdict: fail closed rather than let it back.
      const reason = `file ${file.fileId} was blocked before a restart, and its rescan did not confirm it`;
      await this.requests.execute(requestId, (_s, at) => ({ type: 'FailRequest', actor: SYSTEM_ACTOR, at, data: { reason } }), context);
      return true;
    }
    let blockedKey: string | undefined;
    if (result.status === 'infected') {
      blockedKey = key;
      // Copy, verify, then delete: restartable after a crash at any step, and the bytes are never lost.
      await moveVerified(this.store, { stage: 'quarantine', key }, { stage: 'blocked', key: blockedKey }, file.sha256);
    }
    const data = { turn, fileId: file.fileId, sha256: file.sha256, result, ...(blockedKey ? { blockedKey } : {}) };
    await this.requests.execute(requestId, (_s, at) => ({ type: 'RecordScan', actor: SYSTEM_ACTOR, at, data }), context);
    return result.status === 'infected';
  }

  /**
   * The submitted bytes, opened where they are: quarantine, or `blocked` when a block was cut short
   * by a crash. Opened straight away (no HEAD first): a missing object answers the GET itself.
   */
  private async openFrozen(file: SubmittedFile): Promise<{ stage: 'quarantine' | 'blocked'; body: Readable } | undefined> {
    try {
      return { stage: 'quarantine', body: await this.store.getStream('quarantine', file.quarantineKey) };
    } catch (error) {
      if (!(error instanceof ObjectNotFoundError)) throw error;
    }
    if (!(await holds(this.store, { stage: 'blocked', key: file.quarantineKey }, file.sha256))) return undefined;
    return { stage: 'blocked', body: await this.store.getStream('blocked', file.quarantineKey) };
  }

  /** The project's thresholds, recorded with the submission, over the airlock's defaults. */
  private policyFor(thresholds: DisclosureThresholds): DisclosurePolicy {
    const { minCellCount, dataDomain: _domain, ...rest } = thresholds;
    const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    return { ...this.policy, ...defined, ...(minCellCount !== undefined ? { threshold: minCellCount } : {}) };
  }

  private async record(
    requestId: string,
    turn: number,
    file: SubmittedFile,
    result: FileResult,
    digest: string | null,
    context: CommandContext,
  ): Promise<boolean> {
    // Invariant 2: the bytes judged must be the bytes frozen at submission.
    const actual = digest ?? (await this.store.hash('quarantine', file.quarantineKey)).sha256;
    if (actual !== file.sha256) {
      this.logger.error({ requestId, fileId: file.fileId }, 'frozen file changed in quarantine');
      const reason = `file ${file.fileId} in quarantine no longer matches its submitted SHA-256`;
      await this.requests.execute(requestId, (_s, at) => ({ type: 'FailRequest', actor: SYSTEM_ACTOR, at, data: { reason } }), context);
      return false;
    }
    this.logger.info({ requestId, fileId: file.fileId, verdict: result.verdict, rules: result.findings.map((f) => f.rule) }, 'file checked');
    const data = {
      turn,
      fileId: file.fileId,
      sha256: file.sha256,
      verdict: result.verdict,
      fileType: result.fileType.kind,
      findings: result.findings,
      rulesVersion: result.rulesVersion,
      policy: { ...result.policy },
    };
    await this.requests.execute(requestId, (_s, at) => ({ type: 'RecordCheck', actor: SYSTEM_ACTOR, at, data }), context);
    disclosureCheckMetrics.verdicts.inc({ verdict: result.verdict });
    return true;
  }
}
