import type { Logger } from 'pino';
import type { AuditLogRepository } from './audit-log.repository';
import { auditRecordEnvelope } from './audit-record';

export type AuditMessage = { topic: string; key: string; value: string; headers?: Record<string, string> };
/** Structurally a MessageBus: resolves once the broker acknowledged every message. */
export type AuditTopicPublisher = { publish(messages: AuditMessage[]): Promise<void> };

export type AuditPublisherOptions = { topic: string; batchSize?: number; pollIntervalMs?: number; maxBackoffMs?: number; logger: Logger };

const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';

/**
 * Feeds the audit topic from the chain, in position order, keyed by request id. Woken after each
 * append; also polls, so records appended by another audit process are published too. Fail closed:
 * on a broker failure the cursor stays, and it retries with back-off.
 */
export class AuditPublisher {
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private pending = false;

  constructor(
    private readonly log: AuditLogRepository,
    private readonly bus: AuditTopicPublisher,
    private readonly options: AuditPublisherOptions,
  ) {}

  start(): void {
    this.stopping = false;
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /** Something was appended: publish without waiting for the next poll. */
  notify(): void {
    this.pending = true;
    this.wake?.();
  }

  /** Publishes one batch; returns how many records left. */
  publishOnce(): Promise<number> {
    const { topic, batchSize = 1_000 } = this.options;
    return this.log.publishNext(topic, batchSize, (records) =>
      this.bus.publish(
        records.map(({ record, traceHeaders }) => {
          const envelope = auditRecordEnvelope(record);
          return {
            topic,
            key: envelope.subject,
            value: JSON.stringify(envelope),
            // The trace context of the event the record was made from (Kafka headers, as the outbox sends).
            headers: { ...traceHeaders, 'content-type': CLOUDEVENTS_CONTENT_TYPE, ce_id: envelope.id, ce_type: envelope.type },
          };
        }),
      ),
    );
  }

  private async run(): Promise<void> {
    const { pollIntervalMs = 100, maxBackoffMs = 10_000, batchSize = 1_000 } = this.options;
    let failures = 0;
    while (!this.stopping) {
      let delay = pollIntervalMs;
      try {
        this.pending = false;
        const published = await this.publishOnce();
        failures = 0;
        if (published >= batchSize || this.pending) delay = 0;
      } catch (error) {
        failures += 1;
        delay = Math.min(maxBackoffMs, pollIntervalMs * 2 ** failures);
        this.options.logger.warn({ err: error, failures, retryInMs: delay }, 'audit topic publication failed; will retry');
      }
      if (delay > 0 && !this.stopping) await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
