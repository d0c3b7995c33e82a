import { Readable } from 'node:stream';
import { toDomainEvent, wireType, type EventEnvelope } from '@airlock/contracts';
import { PermanentMessageError, type IdempotentConsumer, type ReceivedMessage } from '@airlock/messaging';
import {
  RELEASE_RECORD_STAGE,
  recordedEvents,
  releaseAcroResults,
  releaseRecordDocument,
  releaseRecordKeys,
  type RecordedEvent,
  type ReleaseRecordFormat,
} from '@airlock/release-record';
import { onceForEvents, type RequestCommandHandler } from '@airlock/application';
import type { ObjectStore } from '@airlock/storage';
import type { Logger } from 'pino';

// The facts that change a release record: the release itself, then a revocation and each object
// it withdraws, so the stored copy always tells what became of the release.
export const RELEASE_RECORD_EVENT_TYPES = [wireType('RequestReleased'), wireType('RequestRevoked'), wireType('ReleasedFileWithdrawn')];
const MAX_RECORD_BYTES = 64 * 1024 ** 2;

/** Stored envelopes as the release record reads them. */
export function recordedFrom(envelopes: readonly EventEnvelope[]): RecordedEvent[] {
  return envelopes.map((e) => ({ id: e.id, time: e.time, streamVersion: e.streamVersion, actor: e.actor, event: toDomainEvent(e) }));
}

/** Events of an older shape that today's fold cannot read: no retry will ever read them. */
function unreadable(requestId: string) {
  return (error: unknown): never => {
    if (error instanceof TypeError) throw new PermanentMessageError(`stream of ${requestId} cannot be read: ${error.message}`, { cause: error });
    throw error;
  };
}

/**
 * Writes the TRE's release record (JSON), its Five Safes RO-Crate and an ACRO results.json of the
 * released package at `records/<id>/` in the internal store. Each write re-reads the stream and
 * puts whole documents, so redelivery, reordering and a crash between the puts all end with the
 * same, current bytes.
 */
export class ReleaseRecordWriter {
  constructor(
    private readonly requests: RequestCommandHandler,
    private readonly store: ObjectStore,
    private readonly consumer: IdempotentConsumer,
    private readonly logger: Logger,
  ) {}

  async onMessage(message: ReceivedMessage): Promise<void> {
    await onceForEvents(RELEASE_RECORD_EVENT_TYPES, this.consumer, (e) => this.write(e.subject))(message);
  }

  async write(requestId: string): Promise<void> {
    const { state, envelopes } = await this.requests.load(requestId).catch(unreadable(requestId));
    let documents: { key: string; body: string; contentType: string }[];
    try {
      const events = recordedFrom(envelopes);
      if (!recordedEvents(events)) return;
      const keys = releaseRecordKeys(requestId);
      const targets: [ReleaseRecordFormat, string][] = [
        ['json', keys.record],
        ['ro-crate', keys.crate],
      ];
      documents = targets.map(([format, key]) => ({ key, ...releaseRecordDocument(state, events, { audience: 'tre', format }) }));
      // ACRO's results.json for the released package, for SACRO-Viewer and the TRE's ACRO tooling.
      documents.push({ key: keys.acro, ...releaseAcroResults(state, events) });
    } catch (error) {
      // Pure code failing on stored events fails the same way every time: dead-letter it rather
      // than hold up the records of every other request on this partition.
      throw new PermanentMessageError(`release record of ${requestId} cannot be built: ${(error as Error).message}`, { cause: error });
    }
    for (const { key, body, contentType } of documents) {
      // A failing store is retried (the message is redelivered); the record is never skipped for it.
      const stored = await this.store.putStream(RELEASE_RECORD_STAGE, key, Readable.from([Buffer.from(body, 'utf8')]), {
        maxBytes: MAX_RECORD_BYTES,
        contentType,
      });
      this.logger.info({ requestId, key, sha256: stored.sha256, status: state.status }, 'release record written');
    }
  }
}
