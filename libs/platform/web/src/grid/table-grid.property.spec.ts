import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { gridPayload, jsonForHtml, type GridPayload } from './grid-payload';
import { readTableGrid } from './table-grid';

// Fidelity: the grid a checker sees holds exactly the cells of the frozen bytes. The page's data
// is read with the disclosure checks' own tokenizer (readTableGrid) and shipped as JSON inside the
// page; here it is compared with an independent reading of the same bytes (csv-parse) and with the
// cells the bytes were written from, for random tables cut into random chunks.

const CELL_CHARS = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'Z', '7', '0', ' ', '.', '-') },
  { weight: 3, arbitrary: fc.constantFrom(',', '"', '\n', '\r\n', '\r', ';', '\t', "'", '<', '>', '&', '=') },
  { weight: 2, arbitrary: fc.constantFrom('é', 'ß', 'Ж', '中', '🙂', '\u0301', 'ﬁ', '\u2028', '\u00a0') },
);
const cell = fc.oneof(
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 4, arbitrary: fc.array(CELL_CHARS, { maxLength: 8 }).map((parts) => parts.join('')) },
);

const table = (maxColumns: number, maxRows: number) =>
  fc
    .integer({ min: 1, max: maxColumns })
    .chain((width) => fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: maxRows }));

const tables = fc.oneof(table(12, 25), table(1000, 3));

const quoteIfNeeded = (value: string): string => (/[",;\t\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

const serialize = (rows: string[][], delimiter: string, lineEnd: string, finalLineEnd: boolean): string =>
  rows.map((row) => row.map(quoteIfNeeded).join(delimiter)).join(lineEnd) + (finalLineEnd ? lineEnd : '');

async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of cuts) {
    if (at >= bytes.length) break;
    yield bytes.subarray(at, at + cut);
    at += cut;
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

/** What the page ships, as the browser reads it back from the JSON data block. */
const shipped = async (bytes: Uint8Array, kind: 'csv' | 'tsv', cuts: number[]): Promise<GridPayload> => {
  const grid = await readTableGrid(bytes.subarray(0, 8192), chunked(bytes, cuts), kind);
  if (grid.kind !== 'grid') throw new Error(`unreadable: ${grid.reason}`);
  return JSON.parse(jsonForHtml(gridPayload(grid.rows, [], {}, { truncated: grid.truncated }))) as GridPayload;
};

describe('table grid fidelity', () => {
  it.each([
    ['csv', ','],
    ['tsv', '\t'],
  ] as const)('ships exactly the cells of the frozen bytes of a %s', async (kind, delimiter) => {
    await fc.assert(
      fc.asyncProperty(
        tables,
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 40 }),
        async (rows, lineEnd, finalLineEnd, cuts) => {
          const text = serialize(rows, delimiter, lineEnd, finalLineEnd);
          const bytes = new TextEncoder().encode(text);
          const payload = await shipped(bytes, kind, cuts);
          const independent = parse(Buffer.from(bytes), {
            delimiter,
            record_delimiter: lineEnd,
            relax_column_count: true,
            skip_empty_lines: true,
          }) as string[][];
          // A row of one empty cell is an empty line, which both readers rightly skip.
          const written = rows.filter((row) => !(row.length === 1 && row[0] === ''));
          expect(payload.rows).toStrictEqual(independent);
          expect(payload.rows).toStrictEqual(written);
          expect(payload.truncated).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps a byte-order mark out of the first cell, as the disclosure checks do', async () => {
    const bytes = new TextEncoder().encode('\uFEFFyear,count\n2020,5\n');
    await expect(shipped(bytes, 'csv', [2, 3])).resolves.toMatchObject({
      rows: [
        ['year', 'count'],
        ['2020', '5'],
      ],
    });
  });

  it('cuts a table past the cell limit and says so', async () => {
    const bytes = new TextEncoder().encode('a,b\n1,2\n3,4\n5,6\n');
    const grid = await readTableGrid(bytes, chunked(bytes, []), 'csv', 5);
    expect(grid).toStrictEqual({
      kind: 'grid',
      rows: [
        ['a', 'b'],
        ['1', '2'],
      ],
      truncated: true,
    });
  });

  it('gives the reason for bytes that are not a table instead of throwing', async () => {
    const bytes = new TextEncoder().encode('a,b\n1,"2\n');
    const grid = await readTableGrid(bytes, chunked(bytes, []), 'csv');
    expect(grid.kind).toBe('unreadable');
  });

  it('never lets a cell end the JSON data block early', () => {
    const json = jsonForHtml(gridPayload([['</script><script>alert(1)</script>', '&amp;']], [], {}));
    expect(json).not.toMatch(/[<>&]/);
    expect((JSON.parse(json) as GridPayload).rows).toStrictEqual([['</script><script>alert(1)</script>', '&amp;']]);
  });
});
