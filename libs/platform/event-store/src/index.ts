export { EVENT_MAX_BYTES, type AppendOptions, type EventStore, type EventStoreOptions, type PendingEvent, type StreamSlice } from './event-store';
export {
  EventStoreError,
  StreamVersionConflictError,
  DuplicateEventIdError,
  EventTooLargeError,
  isStreamVersionConflict,
  type EventStoreErrorCode,
} from './event-store.errors';
export { EVENT_WRITER_ROLE, eventStoreMigrations } from './event-store.migrations';
export { PostgresEventStore } from './postgres-event-store';
export { InMemoryEventStore, type RecordedOutboxMessage } from './in-memory-event-store';
export { OutboxRelay, type OutboxMessage, type OutboxPublisher, type OutboxRelayOptions } from './outbox-relay';
export { OUTBOX_PARKED_TYPE, OUTBOX_REPLAYED_TYPE, listParked, replayParked, type ParkedMessage, type ParkedRow, type ReplayOptions } from './outbox-parking';
export { CLOUDEVENTS_CONTENT_TYPE, insertOutboxRow, outboxHeaders } from './outbox-row';
