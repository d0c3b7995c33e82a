import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

// Frequency tables for the disclosure benchmark, written once under bench/out/ and reused:
// header `group,c0,c1,...`, then rows `r<i>,<count>,...`. Counts come from a fixed LCG, so every
// run checks the same bytes; about 1 in 50 cells is below 10 (the threshold rule has work to do).

export type TableFile = { path: string; bytes: number; rows: number; columns: number; cells: number };

function* rowsOf(columns: number, rows: number): Generator<string> {
  let seed = 0x2545f491;
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 8;
  };
  const header = ['group'];
  for (let c = 0; c < columns; c++) header.push(`c${c}`);
  yield `${header.join(',')}\n`;
  for (let r = 0; r < rows; r++) {
    const line: (string | number)[] = [`r${r}`];
    for (let c = 0; c < columns; c++) line.push(next() % 50 === 0 ? next() % 10 : 10 + (next() % 9990));
    yield `${line.join(',')}\n`;
  }
}

/** Rows of bytes until `rows` rows, or (rows undefined) until the file reaches `minBytes`. */
export function ensureTable(outDir: string, name: string, columns: number, limit: { rows: number } | { minBytes: number }): TableFile {
  const file = path.join(outDir, name);
  const meta = `${file}.rows`;
  if (existsSync(file) && existsSync(meta)) {
    const rows = Number(readFileSync(meta, 'utf8'));
    return { path: file, bytes: statSync(file).size, rows, columns, cells: rows * columns };
  }
  const tmp = `${file}.partial`;
  const fd = openSync(tmp, 'w');
  let bytes = 0;
  let rows = -1; // the header is not a row of the body
  let buffer: string[] = [];
  let buffered = 0;
  const want = 'rows' in limit ? limit.rows : Number.MAX_SAFE_INTEGER;
  const flush = (): void => {
    writeSync(fd, buffer.join(''));
    buffer = [];
    buffered = 0;
  };
  for (const line of rowsOf(columns, want)) {
    buffer.push(line);
    buffered += line.length;
    bytes += line.length; // ASCII
    rows++;
    if (buffered > 8 * 2 ** 20) flush();
    if ('minBytes' in limit && bytes >= limit.minBytes) break;
  }
  flush();
  closeSync(fd);
  renameSync(tmp, file);
  writeFileSync(meta, String(rows));
  return { path: file, bytes, rows, columns, cells: rows * columns };
}
