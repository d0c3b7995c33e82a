import { randomUUID } from 'node:crypto';
import { Topics } from '@airlock/contracts';
import type { Queryable } from '@airlock/database';
import { insertOutboxRow } from '@airlock/event-store';
import { accessEnvelope, accessSubject, type AccessEnvelope, type AccessEvent } from './access-event';

export type AccessLogOptions = {
  /** URI-reference of the recording service, e.g. `/airlock/ingress`. */
  source: string;
  /** Defaults to the access-events topic; tests point it elsewhere. */
  topic?: string;
  newId?: () => string;
};

/** The port services depend on; `AccessLog` is the outbox adapter, `RecordingAccessLog` a test double. */
export type AccessRecorder = { record(event: AccessEvent, tx?: Queryable): Promise<unknown> };

/**
 * Writes access events into the transactional outbox (`outbox` table of @airlock/event-store) with
 * plain SQL: an access event belongs to no stream, so the event store's append does not fit. Pass the
 * caller's transaction to record the act atomically with its effect; the outbox relay publishes it.
 */
export class AccessLog implements AccessRecorder {
  private readonly topic: string;
  private readonly newId: () => string;

  constructor(
    private readonly db: Queryable,
    private readonly options: AccessLogOptions,
  ) {
    this.topic = options.topic ?? Topics.accessEvents;
    this.newId = options.newId ?? randomUUID;
  }

  async record(event: AccessEvent, tx: Queryable = this.db): Promise<AccessEnvelope> {
    const envelope = accessEnvelope(event, { id: this.newId(), source: this.options.source });
    await insertOutboxRow(tx, { id: envelope.id, type: envelope.type, topic: this.topic, key: accessSubject(event), envelope });
    return envelope;
  }
}

/** In-memory recorder for tests of code that records access events. */
export class RecordingAccessLog implements AccessRecorder {
  readonly recorded: AccessEnvelope[] = [];

  constructor(private readonly source = '/airlock/test') {}

  async record(event: AccessEvent): Promise<AccessEnvelope> {
    const envelope = accessEnvelope(event, { id: randomUUID(), source: this.source });
    this.recorded.push(envelope);
    return envelope;
  }
}
