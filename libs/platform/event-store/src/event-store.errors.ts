export type EventStoreErrorCode = 'STREAM_VERSION_CONFLICT' | 'DUPLICATE_EVENT_ID' | 'INVALID_EXPECTED_VERSION' | 'INVALID_AFTER_VERSION' | 'EVENT_TOO_LARGE';

export class EventStoreError extends Error {
  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Someone appended to the stream since it was read: re-read, decide again, retry (bounded). */
export class StreamVersionConflictError extends EventStoreError {
  constructor(
    readonly streamId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super('STREAM_VERSION_CONFLICT', `stream ${streamId} is at version ${actual}, expected ${expected}`);
  }
}

/** An event id was appended before: ids are global and consumers deduplicate on them. */
export class DuplicateEventIdError extends EventStoreError {
  constructor(readonly streamId: string) {
    super('DUPLICATE_EVENT_ID', `an event appended to ${streamId} reuses an existing event id`);
  }
}

/**
 * Invariant 9 (no slow poison): an event over the cap is refused at the append, so it never
 * reaches the outbox, where a broker refusing it would hold back its stream. HTTP maps it to 413.
 */
export class EventTooLargeError extends EventStoreError {
  constructor(
    readonly streamId: string,
    readonly eventType: string,
    readonly sizeBytes: number,
    readonly maxBytes: number,
  ) {
    super('EVENT_TOO_LARGE', `a ${eventType} event of ${sizeBytes} bytes is over the ${maxBytes}-byte limit of one event`);
  }
}

export function isStreamVersionConflict(error: unknown): error is StreamVersionConflictError {
  return error instanceof StreamVersionConflictError;
}

export function assertExpectedVersion(expectedVersion: number): void {
  if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
    throw new EventStoreError('INVALID_EXPECTED_VERSION', `expected version must be a whole number >= 0, got ${expectedVersion}`);
  }
}

export function assertAfterVersion(afterVersion: number): void {
  if (!Number.isSafeInteger(afterVersion) || afterVersion < 0) {
    throw new EventStoreError('INVALID_AFTER_VERSION', `a read after a version needs a whole number >= 0, got ${afterVersion}`);
  }
}
