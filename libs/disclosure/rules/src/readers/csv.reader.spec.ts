import { chunked, collect, CHUNK_SIZES, textSource, utf8 } from '../testing/byte-source.fixture';
import { readCsvRows } from './csv.reader';
import { TableReadError } from './table-read.error';

const rows = (text: string, size?: number, options = {}) => collect(readCsvRows(textSource(text, size), options));

const readError = async (promise: Promise<unknown>): Promise<TableReadError> => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TableReadError);
  return error as TableReadError;
};

describe.each(CHUNK_SIZES)('csv reader (%s chunks)', (_label, size) => {
  it('reads plain rows with LF line ends', async () => {
    expect(await rows('a,b\n1,2\n', size)).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('reads CRLF line ends, including a CRLF split across chunks', async () => {
    expect(await rows('a,b\r\n1,2\r\n3,4', size)).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('keeps delimiters, doubled quotes and line breaks inside quotes (RFC 4180)', async () => {
    expect(await rows('"a,1","say ""hi""","two\r\nlines"\nx,,""\n', size)).toEqual([
      ['a,1', 'say "hi"', 'two\r\nlines'],
      ['x', '', ''],
    ]);
  });

  it('drops a UTF-8 byte-order mark and keeps multi-byte characters split across chunks', async () => {
    expect(await rows('\uFEFFrégion,ü\n€,😀\n', size)).toEqual([
      ['région', 'ü'],
      ['€', '😀'],
    ]);
  });

  it.each([
    [
      'semicolon',
      'a;b;c\n1,5;2;3\n',
      [
        ['a', 'b', 'c'],
        ['1,5', '2', '3'],
      ],
    ],
    [
      'tab',
      'a\tb\n1,2\t3\n',
      [
        ['a', 'b'],
        ['1,2', '3'],
      ],
    ],
    [
      'comma, ignoring a quoted semicolon',
      '"a;b;c",d\n1,2\n',
      [
        ['a;b;c', 'd'],
        ['1', '2'],
      ],
    ],
  ])('detects the %s delimiter from the first line', async (_name, text, expected) => {
    expect(await rows(text, size)).toEqual(expected);
  });

  it('keeps empty last fields before a line break or the end (pandas index-name rows)', async () => {
    expect(await rows('a,b,c\nyear,,\r\nx,1,\n2,,', size)).toEqual([
      ['a', 'b', 'c'],
      ['year', '', ''],
      ['x', '1', ''],
      ['2', '', ''],
    ]);
  });

  it('skips blank lines and a missing final line break', async () => {
    expect(await rows('a,b\n\n1,2', size)).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('fails on an unterminated quote, naming the line it opened on', async () => {
    const error = await readError(rows('a,b\n1,"2\n3,4\n', size));
    expect(error.code).toBe('unterminated-quote');
    expect(error.message).toContain('line 2');
  });

  it('fails on binary junk', async () => {
    expect((await readError(rows('a,b\n1,\u0000\u0001\n', size))).code).toBe('binary-content');
  });
});

describe('csv reader limits (bounded memory)', () => {
  const limits = { maxCellChars: 100, maxRowCells: 10, maxRowChars: 300 };

  it('fails on a cell over the limit, even inside an unterminated quote', async () => {
    const error = await readError(rows('a,"' + 'x'.repeat(1000), 1, { limits }));
    expect(error.code).toBe('cell-too-large');
  });

  it('fails on a row with too many cells', async () => {
    expect((await readError(rows('a'.repeat(1) + ','.repeat(20) + '\n', 3, { limits }))).code).toBe('row-too-large');
  });

  it('fails on a row over the character limit', async () => {
    const cell = 'y'.repeat(90);
    expect((await readError(rows([cell, cell, cell, cell].join(',') + '\n', 5, { limits }))).code).toBe('row-too-large');
  });

  it('fails on a first line with no line break that outgrows the row limit', async () => {
    expect((await readError(rows('z'.repeat(2000), 1, { limits }))).code).toBe('cell-too-large');
  });
});

describe('csv reader encodings', () => {
  it('reads UTF-16LE with its BOM', async () => {
    const text = 'a,b\n1,2\n';
    const bytes = new Uint8Array(2 + text.length * 2);
    bytes.set([0xff, 0xfe]);
    [...text].forEach((ch, i) => bytes.set([ch.charCodeAt(0), 0], 2 + i * 2));
    expect(await collect(readCsvRows(chunked(bytes, 3), { encoding: 'utf-16le' }))).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('reads Windows-1252 (Excel "CSV") when told', async () => {
    const bytes = Uint8Array.from([0x80, 0x2c, 0xa3, 0x0a]); // €,£
    expect(await collect(readCsvRows(chunked(bytes, 1), { encoding: 'windows-1252' }))).toEqual([['€', '£']]);
  });

  it('fails on bytes that are not valid UTF-8', async () => {
    const bytes = Uint8Array.from([...utf8('a,b\n'), 0xc3, 0x28, 0x0a]);
    expect((await readError(collect(readCsvRows(chunked(bytes, 1))))).code).toBe('invalid-encoding');
  });
});

// ASCII pieces are copied rather than decoded (PieceDecoder): the text must be TextDecoder's all the same.
describe('csv reader: ASCII pieces beside multi-byte ones', () => {
  const DECODE_PIECE = 64 << 10;

  it.each(CHUNK_SIZES)('keeps U+FEFF as text when it is not the first character (%s chunks)', async (_label, size) => {
    expect(await rows('a,b\n\uFEFFx,y\n', size)).toEqual([
      ['a', 'b'],
      ['\uFEFFx', 'y'],
    ]);
  });

  it('fails on a character cut short by the ASCII bytes of the next chunk', async () => {
    async function* source(): AsyncGenerator<Uint8Array> {
      yield Uint8Array.from([...utf8('a,b\n1,'), 0xe2, 0x82]);
      yield utf8('2\n3,4\n');
    }
    const seen: string[][] = [];
    const reading = (async () => {
      for await (const row of readCsvRows(source())) seen.push(row);
    })();
    expect((await readError(reading)).code).toBe('invalid-encoding');
    // Not "1,2" with the broken character dropped: the error comes before any row after it.
    expect(seen).toEqual([['a', 'b']]);
  });

  it.each([1, 2])('keeps a character whose bytes straddle the decoding pieces of one large chunk (%s of its 3 bytes before the cut)', async (before) => {
    // "a,b\n" is 4 bytes: the € starts `before` bytes ahead of the first piece's end.
    const label = 'x'.repeat(DECODE_PIECE - 4 - before);
    const text = `a,b\n${label}€,1\n€${'y'.repeat(DECODE_PIECE)},2\n`;
    expect(await rows(text)).toEqual([
      ['a', 'b'],
      [`${label}€`, '1'],
      [`€${'y'.repeat(DECODE_PIECE)}`, '2'],
    ]);
  });
});
