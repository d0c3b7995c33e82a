export type TableReadErrorCode = 'unterminated-quote' | 'cell-too-large' | 'row-too-large' | 'binary-content' | 'invalid-encoding';

/** The bytes cannot be read as a delimited table. Messages name positions, never content. */
export class TableReadError extends Error {
  constructor(
    readonly code: TableReadErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TableReadError';
  }
}
