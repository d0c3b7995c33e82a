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

// Bounded memory (docs/design.md, Scale): an unterminated quote in a 10 GiB file must fail after a
// megabyte, not after buffering the rest of the file.
export const DEFAULT_READER_LIMITS: ReaderLimits = Object.freeze({
  maxCellChars: 1 << 20,
  maxRowCells: 100_000,
  maxRowChars: 4 << 20,
});

type State = 'field-start' | 'unquoted' | 'quoted' | 'after-quote';

/**
 * A cell as read: its text, or (when the tokenizer reads counts, see DelimitedTokenizer) the
 * number that a field of plain digits spells. Such a number stands for exactly one text,
 * `String(n)`: only 1 to 9 digits without a leading zero are read so, never "007" or a date.
 */
export type RawCell = string | number;

/** The text of a cell as it stood in the file. */
export const cellText = (cell: RawCell): string => (typeof cell === 'number' ? String(cell) : cell);

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const ZERO = 0x30;
/** Longest field read as a number: 9 digits stay below 2^30, a small integer for V8. */
const MAX_COUNT_DIGITS = 9;
const BATCH_CHARS = 4 << 10;

/** A field of `length` digits at `start` that spells one count (RawCell): 1 to 9 digits, no leading zero. */
const isCount = (text: string, start: number, length: number): boolean =>
  length > 0 && length <= MAX_COUNT_DIGITS && (length === 1 || text.charCodeAt(start) !== ZERO);

/**
 * An RFC 4180 state machine over decoded text that may be cut anywhere. Lenient where Excel and
 * pandas are (a quote inside an unquoted field is literal; text after a closing quote joins the
 * field); strict where content would be lost (an unterminated quote is an error).
 *
 * Speed (100 MB tables): a field is found with one tight scan and sliced once; only a field cut by
 * a chunk boundary, or a quoted field, is assembled piece by piece in `field`. With `counts`, a
 * field of plain digits (see RawCell) is not sliced at all: its value is summed in the same scan
 * and the row holds the number, so a table of counts makes no string per cell.
 */
export class DelimitedTokenizer<Cell extends RawCell = string> {
  private readonly delimiter: number;
  private state: State = 'field-start';
  /** The current field's text seen so far, when it does not lie whole in one slice. */
  private field = '';
  /** The current row, made at the width of the one before; its first `cells` slots are filled. */
  private row: RawCell[] = [];
  private cells = 0;
  private rowChars = 0;
  private rows: RawCell[][] = [];
  private line = 1;
  private quoteLine = 1;
  /** The previous chunk ended with CR: an LF at the start of this one completes a CRLF. */
  private previousWasCr = false;

  constructor(
    delimiter: string,
    private readonly limits: ReaderLimits = DEFAULT_READER_LIMITS,
    /** Read fields of plain digits as numbers (RawCell); only a DelimitedTokenizer<RawCell> may. */
    private readonly counts: Cell extends string ? false : boolean = false as Cell extends string ? false : boolean,
  ) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** Feeds the next piece of text; returns the rows it completed (text cells unless made with `counts`). */
  push(text: string): Cell[][] {
    this.rows = [];
    this.scan(text, 0, text.length);
    this.endChunk(text);
    return this.rows as Cell[][];
  }

  /**
   * Feeds the next piece of text like `push`, but hands its rows over in batches as they complete.
   * A caller that is done with each batch before taking the next keeps few cells alive at once: a
   * megabyte of short cells is some 200,000 strings, and held together they outlive the young
   * generation, so the garbage collector then costs more than the tokenizing. Errors are push's;
   * only the rows of earlier batches may already have left, as if the text had come in smaller chunks.
   */
  *pushInBatches(text: string): Generator<Cell[][], void, undefined> {
    let from = 0;
    do {
      const to = Math.min(from + BATCH_CHARS, text.length);
      this.rows = [];
      this.scan(text, from, to);
      // As in push, the last rows leave only once the chunk has passed its end checks.
      if (to === text.length) this.endChunk(text);
      if (this.rows.length > 0) yield this.rows as Cell[][];
      from = to;
    } while (from < text.length);
  }

  /** Ends the input; returns the last row if the text did not end with a line break. */
  end(): Cell[][] {
    if (this.state === 'quoted') {
      throw new TableReadError('unterminated-quote', `The quote opened on line ${this.quoteLine} is never closed.`);
    }
    if (this.state === 'field-start' && this.cells === 0) return [];
    this.endField(this.field);
    return [this.endRow() as Cell[]];
  }

  private scan(text: string, from: number, to: number): void {
    let i = from;
    while (i < to) {
      switch (this.state) {
        case 'field-start':
          i = this.readFields(text, i, to);
          break;
        case 'unquoted':
          i = this.continueUnquoted(text, i, to);
          break;
        case 'quoted':
          i = this.continueQuoted(text, i, to);
          break;
        case 'after-quote':
          i = this.afterQuote(text, i, to);
          break;
      }
    }
  }

  private endChunk(text: string): void {
    if (text.length > 0) this.previousWasCr = text.charCodeAt(text.length - 1) === CR;
    // A field still open at the end of a chunk counts against the limits now, so an unterminated
    // quote fails within a chunk of the limit instead of buffering the rest of the file.
    if (this.state === 'unquoted' || this.state === 'quoted') {
      this.checkCell(this.field);
      this.checkRow(this.field.length);
    }
  }

  /**
   * From a field start: the common case, unquoted fields that end before `to`, scanned and sliced
   * in one tight loop (the row and its counters in local variables, written back on leaving).
   * Leaves at an opening quote or at `to`.
   */
  private readFields(text: string, from: number, to: number): number {
    const delimiter = this.delimiter;
    const counts = this.counts;
    const { maxCellChars, maxRowCells, maxRowChars } = this.limits;
    let row = this.row;
    let cells = this.cells;
    let rowChars = this.rowChars;
    let start = from;
    // The field so far as a count: its value while it is all digits.
    let value = 0;
    let digits = true;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      // Digits first: they are most of a table of counts (one unsigned comparison tells them).
      const digit = c - ZERO;
      if (digit >>> 0 <= 9) {
        // Kept an int32 (a count has at most 9 digits; a longer value is never used).
        value = (value * 10 + digit) | 0;
        continue;
      }
      if (c === delimiter || c === LF || c === CR) {
        const length = i - start;
        if (c !== delimiter && length === 0 && cells === 0) {
          // A blank line carries no record.
          this.countLineBreak(text, i);
          start = i + 1;
          continue;
        }
        row[cells++] = counts && digits && isCount(text, start, length) ? value : text.slice(start, i);
        rowChars += length;
        if (length > maxCellChars || cells > maxRowCells || rowChars > maxRowChars) {
          this.cells = cells;
          this.rowChars = rowChars;
          this.failOverLimit(length);
        }
        if (c !== delimiter) {
          // A line ending after a delimiter ends an empty last field.
          this.cells = cells;
          this.rows.push(this.endRow());
          row = this.row;
          cells = 0;
          rowChars = 0;
          this.countLineBreak(text, i);
        }
        start = i + 1;
        value = 0;
        digits = true;
      } else if (c <= QUOTE) {
        // A quote opens a quoted field only at the field's start; elsewhere it is literal.
        if (c === QUOTE && i === start) {
          this.cells = cells;
          this.rowChars = rowChars;
          this.state = 'quoted';
          this.quoteLine = this.line;
          return i + 1;
        }
        if (isBinaryControlCode(c)) throw this.binaryContent();
        digits = false;
      } else {
        digits = false;
      }
    }
    this.cells = cells;
    this.rowChars = rowChars;
    if (start < to) {
      this.field = text.slice(start, to);
      this.state = 'unquoted';
    }
    return to;
  }

  /** An unquoted field begun in an earlier chunk, or after a closing quote. */
  private continueUnquoted(text: string, from: number, to: number): number {
    const delimiter = this.delimiter;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c === delimiter || c === CR || c === LF) {
        this.endField(this.field + text.slice(from, i));
        if (c !== delimiter) {
          this.rows.push(this.endRow());
          this.countLineBreak(text, i);
        }
        return i + 1;
      }
      if (isBinaryControlCode(c)) throw this.binaryContent();
    }
    this.field += text.slice(from, to);
    this.state = 'unquoted';
    return to;
  }

  private continueQuoted(text: string, from: number, to: number): number {
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.field += text.slice(from, i);
        this.state = 'after-quote';
        return i + 1;
      }
      if (c < SPACE) {
        if (c === CR || c === LF) this.countLineBreak(text, i);
        else if (isBinaryControlCode(c)) throw this.binaryContent();
      }
    }
    this.field += text.slice(from, to);
    return to;
  }

  private afterQuote(text: string, i: number, to: number): number {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // A doubled quote is one literal quote.
      this.field += '"';
      this.state = 'quoted';
      return i + 1;
    }
    if (c === this.delimiter) {
      this.endField(this.field);
      return i + 1;
    }
    if (c === CR || c === LF) {
      this.endField(this.field);
      this.rows.push(this.endRow());
      this.countLineBreak(text, i);
      return i + 1;
    }
    return this.continueUnquoted(text, i, to);
  }

  private countLineBreak(text: string, i: number): void {
    // CR, LF and CRLF each end one line, also when a chunk ends between CR and LF.
    const previous = i > 0 ? text.charCodeAt(i - 1) : this.previousWasCr ? CR : 0;
    if (text.charCodeAt(i) === CR || previous !== CR) this.line++;
  }

  private endField(value: string): void {
    this.field = '';
    this.state = 'field-start';
    this.addCell(value, value.length);
  }

  /** Adds a cell of `length` characters in the file. */
  private addCell(value: RawCell, length: number): void {
    this.row[this.cells++] = value;
    this.rowChars += length;
    const limits = this.limits;
    if (length > limits.maxCellChars || this.cells > limits.maxRowCells || this.rowChars > limits.maxRowChars) {
      this.failOverLimit(length);
    }
  }

  /** Throws for the first limit the cell just added breaks: its length, the row's cells, the row's length. */
  private failOverLimit(length: number): void {
    this.checkCellLength(length);
    if (this.cells > this.limits.maxRowCells) {
      throw new TableReadError('row-too-large', `Line ${this.line} has more than ${this.limits.maxRowCells} cells.`);
    }
    this.checkRow(0);
  }

  private endRow(): RawCell[] {
    const row = this.row;
    if (row.length !== this.cells) row.length = this.cells;
    // Tables are rectangular: room for as many cells as this row had saves growing the next one
    // cell by cell (a third of the time on a table 1000 columns wide).
    this.row = new Array<RawCell>(this.cells);
    this.cells = 0;
    this.rowChars = 0;
    return row;
  }

  private checkCell(value: string): void {
    this.checkCellLength(value.length);
  }

  private checkCellLength(length: number): void {
    if (length > this.limits.maxCellChars) {
      throw new TableReadError('cell-too-large', `A cell on line ${this.line} is longer than ${this.limits.maxCellChars} characters.`);
    }
  }

  private checkRow(pending: number): void {
    if (this.rowChars + pending > this.limits.maxRowChars) {
      throw new TableReadError('row-too-large', `Line ${this.line} is longer than ${this.limits.maxRowChars} characters.`);
    }
  }

  private binaryContent(): TableReadError {
    return new TableReadError('binary-content', `Line ${this.line} contains binary (control) characters.`);
  }
}
