import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { readCsvRowBatches } from '@airlock/disclosure-rules';
import { ensureTable } from '../disclosure/table-file';

// Our DelimitedTokenizer (through readCsvRowBatches, as the checks read CSV) beside csv-parse on
// the same bytes in the same process, alternating, median of the runs (docs/adr/0009). Both get the
// bytes in 64 KiB pieces and decode them themselves; every row is walked so neither is left lazy.

export type CsvInput = { name: string; bytes: Buffer };
export type CsvTiming = {
  parser: string;
  input: string;
  mib: number;
  rows: number;
  cells: number;
  medianMs: number;
  mibPerSecond: number;
  cellsPerSecond: number;
};

const PIECE = 64 * 1024;
const MiB = 2 ** 20;

async function* pieces(bytes: Buffer): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += PIECE) yield bytes.subarray(at, at + PIECE);
}

type Count = { rows: number; cells: number; chars: number };

async function ours(bytes: Buffer): Promise<Count> {
  const count = { rows: 0, cells: 0, chars: 0 };
  for await (const batch of readCsvRowBatches(pieces(bytes), { delimiter: ',' })) {
    for (const row of batch) {
      count.rows++;
      count.cells += row.length;
      for (const cell of row) count.chars += cell.length;
    }
  }
  return count;
}

// The options that give our tokenizer's reading: quotes inside unquoted fields are literal, rows may
// differ in width, blank lines carry no record, a BOM is dropped, the same cell and row limits.
async function csvParse(bytes: Buffer): Promise<Count> {
  const count = { rows: 0, cells: 0, chars: 0 };
  const parser = Readable.from(pieces(bytes)).pipe(
    parse({ delimiter: ',', relax_quotes: true, relax_column_count: true, skip_empty_lines: true, bom: true, max_record_size: 4 << 20 }),
  );
  for await (const row of parser as AsyncIterable<string[]>) {
    count.rows++;
    count.cells += row.length;
    for (const cell of row) count.chars += cell.length;
  }
  return count;
}

const PARSERS: Record<string, (bytes: Buffer) => Promise<Count>> = { 'DelimitedTokenizer (ours)': ours, 'csv-parse 7 (stream)': csvParse };

/** A frequency table like the disclosure bench's, and a table of quoted labels (commas, doubled quotes, CRLF). */
export function csvInputs(outDir: string, bytes: number): CsvInput[] {
  const numeric = ensureTable(outDir, `csv-bench-numeric-${bytes}.csv`, 1000, { minBytes: bytes });
  const lines: string[] = ['"id","label","note","count"\r\n'];
  let size = lines[0].length;
  for (let i = 0; size < bytes; i++) {
    const line = `${i},"Region ${i % 97}, ward ${i % 13}","said ""yes"" (${i % 7})",${(i * 7919) % 1000}\r\n`;
    lines.push(line);
    size += line.length;
  }
  return [
    { name: 'numeric 1000 columns', bytes: readFileSync(numeric.path) },
    { name: 'quoted labels, CRLF', bytes: Buffer.from(lines.join('')) },
  ];
}

export async function runCsvBench(inputs: CsvInput[], runs: number): Promise<CsvTiming[]> {
  const timings: CsvTiming[] = [];
  for (const input of inputs) {
    const times: Record<string, number[]> = {};
    const counts: Record<string, Count> = {};
    for (let run = 0; run < runs; run++) {
      // Alternate the order so neither always runs on a warmer heap.
      const order = run % 2 === 0 ? Object.keys(PARSERS) : Object.keys(PARSERS).reverse();
      for (const name of order) {
        const started = process.hrtime.bigint();
        counts[name] = await PARSERS[name](input.bytes);
        (times[name] ??= []).push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }
    const [first, ...others] = Object.values(counts);
    for (const other of others) {
      if (other.rows !== first.rows || other.cells !== first.cells || other.chars !== first.chars) {
        throw new Error(`the parsers read ${input.name} differently: ${JSON.stringify(counts)}`);
      }
    }
    for (const name of Object.keys(PARSERS)) {
      const sorted = [...times[name]].sort((a, b) => a - b);
      const medianMs = sorted[Math.floor(sorted.length / 2)];
      const mib = input.bytes.length / MiB;
      timings.push({
        parser: name,
        input: input.name,
        mib,
        rows: counts[name].rows,
        cells: counts[name].cells,
        medianMs,
        mibPerSecond: mib / (medianMs / 1000),
        cellsPerSecond: counts[name].cells / (medianMs / 1000),
      });
    }
  }
  return timings;
}

export function formatCsvReport(timings: CsvTiming[]): string {
  const lines = [
    '',
    'CSV tokenizing (same bytes, same process, median)',
    `${'input'.padEnd(22)} ${'parser'.padEnd(28)} ${'MiB'.padStart(6)} ${'ms'.padStart(8)} ${'MiB/s'.padStart(7)} ${'Mcells/s'.padStart(9)}`,
  ];
  for (const t of timings) {
    lines.push(
      `${t.input.padEnd(22)} ${t.parser.padEnd(28)} ${t.mib.toFixed(1).padStart(6)} ${t.medianMs.toFixed(0).padStart(8)} ${t.mibPerSecond.toFixed(1).padStart(7)} ${(t.cellsPerSecond / 1e6).toFixed(2).padStart(9)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
