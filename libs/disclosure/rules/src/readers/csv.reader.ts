import type { TextEncodingName } from '../file-type/text-encoding.detector';
import { chooseDelimiter, scanFirstLine, type Delimiter } from './delimiter.detector';
import { DEFAULT_READER_LIMITS, DelimitedTokenizer, type ReaderLimits } from './delimited.tokenizer';
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
export async function* readCsvRowBatches(source: AsyncIterable<Uint8Array>, options: CsvReaderOptions = {}): AsyncGenerator<string[][], void, undefined> {
  const limits = options.limits ?? DEFAULT_READER_LIMITS;
  // TextDecoder drops the BOM of its own encoding (ignoreBOM defaults to false).
  const decoder = new TextDecoder(options.encoding ?? 'utf-8', { fatal: true });
  let tokenizer: DelimitedTokenizer | null = null;
  let pending = '';

  for await (const chunk of source) {
    const text = decode(decoder, chunk, true);
    if (tokenizer === null) {
      pending += text;
      // Rescan only when a line break arrives, so 1-byte chunks stay linear.
      if (!/[\r\n]/.test(text) && pending.length <= limits.maxRowChars) continue;
      const firstLine = scanFirstLine(pending);
      if (!firstLine.complete && pending.length <= limits.maxRowChars) continue;
      tokenizer = new DelimitedTokenizer(options.delimiter ?? chooseDelimiter(firstLine.counts, options.preferredDelimiter), limits);
      yield* nonEmpty(tokenizer.pushInBatches(pending));
      pending = '';
    } else {
      yield* nonEmpty(tokenizer.pushInBatches(text));
    }
  }
  const tail = decode(decoder, new Uint8Array(0), false);
  tokenizer ??= new DelimitedTokenizer(options.delimiter ?? chooseDelimiter(scanFirstLine(pending).counts, options.preferredDelimiter), limits);
  yield* nonEmpty(tokenizer.pushInBatches(pending + tail));
  yield* nonEmpty([tokenizer.end()]);
}

function* nonEmpty(batches: Iterable<string[][]>): Generator<string[][], void, undefined> {
  for (const rows of batches) if (rows.length > 0) yield rows;
}

const decode = (decoder: InstanceType<typeof TextDecoder>, bytes: Uint8Array, stream: boolean): string => {
  try {
    return decoder.decode(bytes, { stream });
  } catch {
    throw new TableReadError('invalid-encoding', `The file is not valid ${decoder.encoding} text.`);
  }
};
