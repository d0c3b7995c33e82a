export type ScanningErrorCode = 'SCANNER_UNAVAILABLE';

/** Base of every error the scanners throw on purpose; switch on `code`. */
export abstract class ScanningError extends Error {
  abstract readonly code: ScanningErrorCode;
}

/**
 * The scanner could not give a verdict (refused, timed out, dropped, answered nonsense).
 * docs/design.md invariant 6, fail closed: callers retry later; the file never counts as clean.
 */
export class ScannerUnavailableError extends ScanningError {
  readonly code = 'SCANNER_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScannerUnavailableError';
  }
}
