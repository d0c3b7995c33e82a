import { isBinaryControlCode } from '../file-type/text-encoding.detector';
import { TableReadError } from './table-read.error';

export type ReaderLimits = {
  /** Longest cell, in characters. */
  maxCellChars: number;
  /** Most cells in one row. */
  maxRowCells: number;
  /** Longest row, in characters. */
  maxRowChars: number;
};

// Bounded memory (DESIGN.md, Scale): an unterminated quote in a 10 GiB file must fail after a
// megabyte, not after buffering the rest of the file.
export const DEFAULT_READER_LIMITS: ReaderLimits = Object.freeze({
  maxCellChars: 1 << 20,
  maxRowCells: 100_000,
  maxRowChars: 4 << 20,
});

type State = 'field-start' | 'unquoted' | 'quoted' | 'after-quote';

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * An RFC 4180 state machine over decoded text that may be cut anywhere. Lenient where Excel and
 * pandas are (a quote inside an unquoted field is literal; text after a closing quote joins the
 * field); strict where content would be lost (an unterminated quote is an error).
 */
export class DelimitedTokenizer {
  private readonly delimiter: number;
  private state: State = 'field-start';
  private field = '';
  private row: string[] = [];
  private rowChars = 0;
  private skipLf = false;
  private line = 1;
  private quoteLine = 1;
  private previousWasCr = false;

  constructor(
    delimiter: string,
    private readonly limits: ReaderLimits = DEFAULT_READER_LIMITS,
  ) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** Feeds the next piece of text; returns the rows it completed. */
  push(text: string): string[][] {
    const rows: string[][] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.skipLf) {
        this.skipLf = false;
        if (c === LF) {
          this.previousWasCr = false;
          continue;
        }
      }
      if (isBinaryControlCode(c)) {
        throw new TableReadError('binary-content', `Line ${this.line} contains binary (control) characters.`);
      }
      const isLineEnd = c === CR || c === LF;
      switch (this.state) {
        case 'field-start':
          if (c === QUOTE) {
            this.state = 'quoted';
            this.quoteLine = this.line;
            start = i + 1;
          } else if (c === this.delimiter) {
            this.endField();
          } else if (isLineEnd) {
            // A blank line carries no record; a line ending after a delimiter ends an empty last field.
            if (this.row.length > 0) {
              this.endField();
              rows.push(this.endRow());
            }
          } else {
            this.state = 'unquoted';
            start = i;
          }
          break;
        case 'unquoted':
          if (c === this.delimiter || isLineEnd) {
            this.field += text.slice(start, i);
            this.endField();
            if (isLineEnd) rows.push(this.endRow());
          }
          break;
        case 'quoted':
          if (c === QUOTE) {
            this.field += text.slice(start, i);
            this.state = 'after-quote';
          }
          break;
        case 'after-quote':
          if (c === QUOTE) {
            // A doubled quote is one literal quote: the slice restarts at this quote.
            this.state = 'quoted';
            start = i;
          } else if (c === this.delimiter || isLineEnd) {
            this.endField();
            if (isLineEnd) rows.push(this.endRow());
          } else {
            this.state = 'unquoted';
            start = i;
          }
          break;
      }
      if (isLineEnd && this.state !== 'quoted') {
        this.skipLf = c === CR;
      }
      if (isLineEnd && !(c === LF && this.previousWasCr)) this.line++;
      this.previousWasCr = c === CR;
    }
    if (this.state === 'unquoted' || this.state === 'quoted') {
      this.field += text.slice(start);
      this.checkCell();
      this.checkRow(this.field.length);
    }
    return rows;
  }

  /** Ends the input; returns the last row if the text did not end with a line break. */
  end(): string[][] {
    if (this.state === 'quoted') {
      throw new TableReadError('unterminated-quote', `The quote opened on line ${this.quoteLine} is never closed.`);
    }
    if (this.state === 'field-start' && this.row.length === 0) return [];
    this.endField();
    return [this.endRow()];
  }

  private endField(): void {
    this.checkCell();
    this.row.push(this.field);
    this.rowChars += this.field.length;
    this.field = '';
    this.state = 'field-start';
    if (this.row.length > this.limits.maxRowCells) {
      throw new TableReadError('row-too-large', `Line ${this.line} has more than ${this.limits.maxRowCells} cells.`);
    }
    this.checkRow(0);
  }

  private endRow(): string[] {
    const row = this.row;
    this.row = [];
    this.rowChars = 0;
    return row;
  }

  private checkCell(): void {
    if (this.field.length > this.limits.maxCellChars) {
      throw new TableReadError(
        'cell-too-large',
        `A cell on line ${this.line} is longer than ${this.limits.maxCellChars} characters.`,
      );
    }
  }

  private checkRow(pending: number): void {
    if (this.rowChars + pending > this.limits.maxRowChars) {
      throw new TableReadError('row-too-large', `Line ${this.line} is longer than ${this.limits.maxRowChars} characters.`);
    }
  }
}
