import type { Stage } from './object-store.port';

export type StorageErrorCode = 'OBJECT_TOO_LARGE' | 'OBJECT_NOT_FOUND' | 'HASH_MISMATCH' | 'STORAGE_UNAVAILABLE' | 'INVALID_KEY';

/** Base of every error the storage adapters throw on purpose; switch on `code`. */
export abstract class StorageError extends Error {
  abstract readonly code: StorageErrorCode;
}

export class ObjectTooLargeError extends StorageError {
  readonly code = 'OBJECT_TOO_LARGE';
  constructor(readonly maxBytes: number) {
    super(`object exceeds the limit of ${maxBytes} bytes`);
    this.name = 'ObjectTooLargeError';
  }
}

export class ObjectNotFoundError extends StorageError {
  readonly code = 'OBJECT_NOT_FOUND';
  constructor(
    readonly stage: Stage,
    readonly key: string,
  ) {
    super(`no object ${key} in stage ${stage}`);
    this.name = 'ObjectNotFoundError';
  }
}

export class HashMismatchError extends StorageError {
  readonly code = 'HASH_MISMATCH';
  constructor(
    readonly expected: string,
    readonly actual: string,
    readonly stage: Stage,
    readonly key: string,
  ) {
    super(`sha256 of ${stage}/${key} is ${actual}, expected ${expected}`);
    this.name = 'HashMismatchError';
  }
}

/** The store cannot be reached or failed transiently: callers retry, and never treat it as success (fail closed). */
export class StorageUnavailableError extends StorageError {
  readonly code = 'STORAGE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageUnavailableError';
  }
}

export class InvalidKeyError extends StorageError {
  readonly code = 'INVALID_KEY';
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`invalid object key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidKeyError';
  }
}
