/**
 * Thrown by a handler for a message that can never succeed (malformed, unknown schema version):
 * retrying would block its partition forever, so it goes to the dead-letter topic instead.
 */
export class PermanentMessageError extends Error {
  readonly permanent = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentMessageError';
  }
}

export function isPermanentMessageError(error: unknown): error is PermanentMessageError {
  // By shape as well as class: a second copy of this module in the bundle must still be recognised.
  return error instanceof PermanentMessageError || (typeof error === 'object' && error !== null && (error as { permanent?: unknown }).permanent === true);
}
