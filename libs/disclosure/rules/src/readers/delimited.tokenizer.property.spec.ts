import fc from 'fast-check';
import { DelimitedTokenizer, type ReaderLimits } from './delimited.tokenizer';
import { TableReadError, type TableReadErrorCode } from './table-read.error';

// The tokenizer reads text cut anywhere by the stream: it must give the same rows as the slow,
// obvious reading below of the grammar in its class comment, however the text is cut. Strict
// equality: toEqual would let a row carry empty slots past its last cell.

type Outcome = { rows: string[][] } | { error: TableReadErrorCode; message: string };

const outcome = (read: () => string[][]): Outcome => {
  try {
    return { rows: read() };
  } catch (e) {
    if (e instanceof TableReadError) return { error: e.code, message: e.message };
    throw e;
  }
};

/** Pushes `text` in chunks of the given sizes (0 is an empty push), then the rest, then ends. */
const feed = (text: string, delimiter: string, sizes: number[] = [], limits?: ReaderLimits): Outcome =>
  outcome(() => {
    const tokenizer = new DelimitedTokenizer(delimiter, limits);
    const rows: string[][] = [];
    let at = 0;
    for (const size of sizes) {
      rows.push(...tokenizer.push(text.slice(at, at + size)));
      at += size;
    }
    rows.push(...tokenizer.push(text.slice(at)), ...tokenizer.end());
    return rows;
  });

const feedInBatches = (text: string, delimiter: string): Outcome =>
  outcome(() => {
    const tokenizer = new DelimitedTokenizer(delimiter);
    const rows: string[][] = [];
    for (const batch of tokenizer.pushInBatches(text)) rows.push(...batch);
    rows.push(...tokenizer.end());
    return rows;
  });

class Unterminated extends Error {
  constructor(readonly quoteAt: number) {
    super('unterminated quote');
  }
}

/** RFC 4180 with the class comment's leniencies, read character by character over the whole text. */
const referenceRows = (text: string, delimiter: string): string[][] => {
  const rows: string[][] = [];
  let i = 0;
  const atLineEnd = (): boolean => text[i] === '\r' || text[i] === '\n';
  const skipLineEnd = (): void => {
    i += text.startsWith('\r\n', i) ? 2 : 1;
  };
  while (i < text.length) {
    if (atLineEnd()) {
      skipLineEnd(); // a blank line is no record
      continue;
    }
    const row: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        const quoteAt = i++;
        for (;;) {
          if (i >= text.length) throw new Unterminated(quoteAt);
          if (text.startsWith('""', i)) {
            field += '"';
            i += 2;
          } else if (text[i] === '"') {
            i++;
            break;
          } else {
            field += text[i++];
          }
        }
      }
      // Unquoted text, or text after a closing quote: up to the next delimiter or line end.
      while (i < text.length && text[i] !== delimiter && !atLineEnd()) field += text[i++];
      row.push(field);
      if (text[i] !== delimiter) break;
      i++;
    }
    rows.push(row);
    if (i < text.length) skipLineEnd();
  }
  return rows;
};

/** Line number of a position: CR, LF and CRLF each end one line. */
const lineAt = (text: string, index: number): number => text.slice(0, index).split(/\r\n|\r|\n/).length;

const expected = (text: string, delimiter: string): Outcome => {
  // eslint-disable-next-line no-control-regex -- the C0 controls that mean binary content are what we look for
  const binary = text.search(/[\x00-\x08\x0b\x0e-\x1f]/);
  if (binary !== -1) {
    return { error: 'binary-content', message: `Line ${lineAt(text, binary)} contains binary (control) characters.` };
  }
  try {
    return { rows: referenceRows(text, delimiter) };
  } catch (e) {
    if (!(e instanceof Unterminated)) throw e;
    return { error: 'unterminated-quote', message: `The quote opened on line ${lineAt(text, e.quoteAt)} is never closed.` };
  }
};

const TEXT_PARTS = ['a', 'b', '12', '3.5', ' ', '"', '""', ',', ';', '\t', '\r', '\n', '\r\n', '\f', 'é', '😀'];
const textOf = (parts: string[], maxLength = 40): fc.Arbitrary<string> => fc.array(fc.constantFrom(...parts), { maxLength }).map((chosen) => chosen.join(''));
const text = textOf(TEXT_PARTS);
const textWithBinary = textOf([...TEXT_PARTS, '\u0000', '\u0001', '\u000b', '\u001f']);
const delimiter = fc.constantFrom(',', ';', '\t');
const chunkSizes = fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 40 });

describe('delimited tokenizer (properties)', () => {
  it('reads what the reference reads, rows and error lines alike', () => {
    fc.assert(
      fc.property(textWithBinary, delimiter, (t, d) => {
        expect(feed(t, d)).toStrictEqual(expected(t, d));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same rows and errors however the text is cut into chunks', () => {
    fc.assert(
      fc.property(textWithBinary, delimiter, chunkSizes, (t, d, sizes) => {
        expect(feed(t, d, sizes)).toStrictEqual(feed(t, d));
        expect(feed(t, d, sizes)).toStrictEqual(expected(t, d));
      }),
      { numRuns: 2000 },
    );
  });

  it('cuts every CRLF, doubled quote and quoted line break at a chunk boundary', () => {
    fc.assert(
      fc.property(text, delimiter, (t, d) => {
        expect(
          feed(
            t,
            d,
            Array.from(t, () => 1),
          ),
        ).toStrictEqual(expected(t, d));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same rows and errors in batches as in one push, past many batches', () => {
    fc.assert(
      fc.property(textWithBinary, delimiter, (t, d) => {
        const long = t.repeat(Math.ceil(70_000 / Math.max(1, t.length)));
        expect(feedInBatches(long, d)).toStrictEqual(feed(long, d));
      }),
      { numRuns: 60 },
    );
  });

  it('fails on a limit exactly when a row the reference reads breaks it, however the text is cut', () => {
    const limits = fc.record({
      maxCellChars: fc.integer({ min: 0, max: 6 }),
      maxRowCells: fc.integer({ min: 1, max: 5 }),
      maxRowChars: fc.integer({ min: 0, max: 15 }),
    });
    fc.assert(
      fc.property(text, delimiter, chunkSizes, limits, (t, d, sizes, l) => {
        const reference = expected(t, d);
        const got = feed(t, d, sizes, l);
        if (!('rows' in reference)) {
          expect('error' in got && ['unterminated-quote', 'cell-too-large', 'row-too-large'].includes(got.error)).toBe(true);
          return;
        }
        const breaks = reference.rows.some(
          (row) =>
            row.length > l.maxRowCells ||
            row.some((cell) => cell.length > l.maxCellChars) ||
            row.reduce((chars, cell) => chars + cell.length, 0) > l.maxRowChars,
        );
        if (breaks) expect('error' in got && ['cell-too-large', 'row-too-large'].includes(got.error)).toBe(true);
        else expect(got).toStrictEqual(reference);
      }),
      { numRuns: 2000 },
    );
  });
});
