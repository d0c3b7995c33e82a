import type { TextEncodingName } from '../file-type/text-encoding.detector';
import { chooseDelimiter, scanFirstLine, type Delimiter } from './delimiter.detector';
import { DEFAULT_READER_LIMITS, DelimitedTokenizer, type RawCell, type ReaderLimits } from './delimited.tokenizer';
import { TableReadError } from './table-read.error';

export type CsvReaderOptions = {
  /** Fixed delimiter; when absent it is detected from the first line. */
  delimiter?: Delimiter;
  /** Breaks ties in detection (a .tsv file prefers tab). */
  preferredDelimiter?: Delimiter;
  encoding?: TextEncodingName;
  limits?: ReaderLimits;
};

/**
 * Streams the rows of a CSV or TSV file. Chunks may split characters, quotes and line breaks
 * anywhere; memory stays within the reader limits. A byte-order mark is dropped. Throws
 * TableReadError for content that is not a readable delimited table.
 */
export async function* readCsvRows(source: AsyncIterable<Uint8Array>, options: CsvReaderOptions = {}): AsyncGenerator<string[], void, undefined> {
  for await (const batch of readCsvRowBatches(source, options)) yield* batch;
}

/**
 * The rows of a CSV or TSV file in batches of a few kilobytes of text: the same rows as
 * readCsvRows, with one asynchronous step per batch instead of per row (a narrow table of a
 * gigabyte has tens of millions of rows). The caller is done with a batch before the next is made.
 */
export function readCsvRowBatches(source: AsyncIterable<Uint8Array>, options: CsvReaderOptions = {}): AsyncGenerator<string[][], void, undefined> {
  return readBatches<string>(source, options, false);
}

/**
 * The rows of readCsvRowBatches with fields of plain digits read as numbers (RawCell): what the
 * table rules read, since a table of counts then makes no string per cell. `cellText` gives back
 * each cell's text exactly.
 */
export function readCsvCellBatches(source: AsyncIterable<Uint8Array>, options: CsvReaderOptions = {}): AsyncGenerator<RawCell[][], void, undefined> {
  return readBatches<RawCell>(source, options, true);
}

async function* readBatches<Cell extends RawCell>(
  source: AsyncIterable<Uint8Array>,
  options: CsvReaderOptions,
  counts: Cell extends string ? false : boolean,
): AsyncGenerator<Cell[][], void, undefined> {
  const limits = options.limits ?? DEFAULT_READER_LIMITS;
  // TextDecoder drops the BOM of its own encoding (ignoreBOM defaults to false).
  const decoder = new TextDecoder(options.encoding ?? 'utf-8', { fatal: true });
  let tokenizer: DelimitedTokenizer<Cell> | null = null;
  let pending = '';

  for await (const chunk of source)
    for (let at = 0; at < chunk.length; at += DECODE_BYTES) {
      const text = decode(decoder, chunk.subarray(at, at + DECODE_BYTES), true);
      if (tokenizer === null) {
        pending += text;
        // Rescan only when a line break arrives, so 1-byte chunks stay linear.
        if (!/[\r\n]/.test(text) && pending.length <= limits.maxRowChars) continue;
        const firstLine = scanFirstLine(pending);
        if (!firstLine.complete && pending.length <= limits.maxRowChars) continue;
        tokenizer = new DelimitedTokenizer<Cell>(options.delimiter ?? chooseDelimiter(firstLine.counts, options.preferredDelimiter), limits, counts);
        yield* nonEmpty(tokenizer.pushInBatches(pending));
        pending = '';
      } else {
        yield* nonEmpty(tokenizer.pushInBatches(text));
      }
    }
  const tail = decode(decoder, new Uint8Array(0), false);
  tokenizer ??= new DelimitedTokenizer<Cell>(options.delimiter ?? chooseDelimiter(scanFirstLine(pending).counts, options.preferredDelimiter), limits, counts);
  yield* nonEmpty(tokenizer.pushInBatches(pending + tail));
  yield* nonEmpty([tokenizer.end()]);
}

// Text is decoded in pieces of at most this many bytes, whatever the size of the source's chunks:
// a string this short is made in V8's young generation and freed by the next scavenge, where the
// text of a 1 MiB chunk would wait in the large-object space (or outside the heap) for a full
// collection, and a gigabyte read so would grow the process by tens of megabytes of garbage.
const DECODE_BYTES = 64 << 10;

function* nonEmpty<Cell>(batches: Iterable<Cell[][]>): Generator<Cell[][], void, undefined> {
  for (const rows of batches) if (rows.length > 0) yield rows;
}

const decode = (decoder: InstanceType<typeof TextDecoder>, bytes: Uint8Array, stream: boolean): string => {
  try {
    return decoder.decode(bytes, { stream });
  } catch {
    throw new TableReadError('invalid-encoding', `The file is not valid ${decoder.encoding} text.`);
  }
};
