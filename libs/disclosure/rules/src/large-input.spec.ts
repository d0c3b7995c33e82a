import { crc32 } from 'node:zlib';
import type { FileCheckResult } from './disclosure.types';
import { checkFile } from './file.checker';
import { utf8 } from './testing/byte-source.fixture';

// 2 GiB inputs made lazily as async iterables (never on disk, never in memory whole): every
// reader keeps memory flat and still reaches a verdict. Peak RSS is sampled while the bytes flow.
const GIB = 2 ** 30;
const TWO_GIB = 2 * GIB;
const FLAT = 256 * 2 ** 20; // what a reader may add to the process, whatever the input size

jest.setTimeout(180_000);

type Meter = { bytes: number; peak: number; closed: boolean };

/** Repeats `block` after `head` up to `total` bytes, measuring as it goes. */
async function* repeated(head: Uint8Array, block: Uint8Array, total: number, meter: Meter): AsyncGenerator<Uint8Array> {
  try {
    meter.bytes += head.length;
    yield head;
    for (let n = 0; meter.bytes + block.length <= total; n++) {
      if (n % 64 === 0) meter.peak = Math.max(meter.peak, process.memoryUsage().rss);
      meter.bytes += block.length;
      yield block;
    }
  } finally {
    meter.closed = true;
  }
}

const rowsBlock = (size: number, row: (i: number) => string): Uint8Array => {
  let text = '';
  for (let i = 0; text.length + row(i).length <= size; i++) text += row(i);
  return utf8(text);
};

const u16 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff];
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

/**
 * A zip whose last member streams `member` as DEFLATE stored blocks with a data descriptor, as a
 * streaming writer would: the CRC is known only at the end. `before` are small stored members.
 */
async function* lazyZip(
  before: { name: string; data: Uint8Array }[],
  name: string,
  member: AsyncIterable<Uint8Array>,
  meter: Meter,
): AsyncGenerator<Uint8Array> {
  const central: number[][] = [];
  let offset = 0;
  const emit = (bytes: Uint8Array | number[]): Uint8Array => {
    const out = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    offset += out.length;
    return out;
  };
  for (const entry of before) {
    const crc = crc32(entry.data);
    const nameBytes = utf8(entry.name);
    central.push(centralRecord(nameBytes, 0, 0, crc, entry.data.length, entry.data.length, offset));
    yield emit([
      ...u32(0x04034b50),
      ...u16(20),
      ...u16(0),
      ...u16(0),
      ...u32(0),
      ...u32(crc),
      ...u32(entry.data.length),
      ...u32(entry.data.length),
      ...u16(nameBytes.length),
      ...u16(0),
      ...nameBytes,
    ]);
    yield emit(entry.data);
  }
  const start = offset;
  const nameBytes = utf8(name);
  yield emit([
    ...u32(0x04034b50),
    ...u16(20),
    ...u16(0x0008),
    ...u16(8),
    ...u32(0),
    ...u32(0),
    ...u32(0),
    ...u32(0),
    ...u16(nameBytes.length),
    ...u16(0),
    ...nameBytes,
  ]);
  let crc = 0;
  let size = 0;
  const dataStart = offset;
  for await (const piece of member) {
    for (let at = 0; at < piece.length; at += 65535) {
      const part = piece.subarray(at, at + 65535);
      crc = crc32(part, crc);
      size += part.length;
      yield emit([0x00, ...u16(part.length), ...u16(part.length ^ 0xffff)]);
      yield emit(part);
    }
  }
  yield emit([0x01, 0x00, 0x00, 0xff, 0xff]); // the final, empty stored block
  const compressed = offset - dataStart;
  yield emit([...u32(0x08074b50), ...u32(crc), ...u32(compressed), ...u32(size)]);
  central.push(centralRecord(nameBytes, 0x0008, 8, crc, compressed, size, start));
  const centralStart = offset;
  for (const record of central) yield emit(record);
  yield emit([
    ...u32(0x06054b50),
    ...u16(0),
    ...u16(0),
    ...u16(central.length),
    ...u16(central.length),
    ...u32(offset - centralStart),
    ...u32(centralStart),
    ...u16(0),
  ]);
  meter.closed = true;
}

const centralRecord = (name: Uint8Array, flags: number, method: number, crc: number, compressed: number, size: number, offset: number): number[] => [
  ...u32(0x02014b50),
  ...u16(20),
  ...u16(20),
  ...u16(flags),
  ...u16(method),
  ...u16(0),
  ...u16(0x21),
  ...u32(crc),
  ...u32(compressed),
  ...u32(size),
  ...u16(name.length),
  ...u16(0),
  ...u16(0),
  ...u16(0),
  ...u16(0),
  ...u32(0),
  ...u32(offset),
  ...name,
];

const CSV_HEADER = utf8('region,c1,c2,c3,c4,c5,c6,c7,c8,c9\n');
// One cell in 500 rows is under the threshold, so the count of failing cells tells whether every row was judged.
const csvRow = (i: number): string => `r${i},${[1, 2, 3, 4, 5, 6, 7, 8, 9].map((c) => (i % 500 === 0 && c === 4 ? 3 : 10 + ((i * c) % 90))).join(',')}\n`;
const CSV_BLOCK = rowsBlock(64_000, csvRow);
const FAILING_PER_BLOCK = utf8ToString(CSV_BLOCK)
  .split('\n')
  .filter((line) => line.split(',')[4] === '3').length;
const TEXT_BLOCK = rowsBlock(64_000, (i) => `Line ${i} of the notes about the analysis.\n`);

function utf8ToString(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

const measure = async (run: (meter: Meter) => Promise<FileCheckResult>): Promise<{ result: FileCheckResult; meter: Meter; before: number }> => {
  const before = process.memoryUsage().rss;
  const meter: Meter = { bytes: 0, peak: before, closed: false };
  const result = await run(meter);
  meter.peak = Math.max(meter.peak, process.memoryUsage().rss);
  return { result, meter, before };
};

describe('2 GiB inputs, generated lazily: verdicts with flat memory', () => {
  it('CSV: every cell of a 2 GiB table is judged, with flat memory', async () => {
    const { result, meter, before } = await measure((m) => checkFile('big.csv', repeated(CSV_HEADER, CSV_BLOCK, TWO_GIB, m)));
    const blocks = Math.floor((TWO_GIB - CSV_HEADER.length) / CSV_BLOCK.length);
    expect(result.verdict).toBe('fail');
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({
      rule: 'threshold',
      cellCount: blocks * FAILING_PER_BLOCK,
      message: `${blocks * FAILING_PER_BLOCK} cells have fewer than 10 contributors`,
    });
    expect(result.findings[0].cells).toHaveLength(200);
    expect(meter.closed).toBe(true);
    expect(meter.bytes).toBeGreaterThan(TWO_GIB - CSV_BLOCK.length);
    expect(meter.peak - before).toBeLessThan(FLAT);
  });

  it('zip: a 2 GiB member is read to its last byte (CRC, central directory) with flat memory', async () => {
    const member = repeated(utf8('Notes\n'), TEXT_BLOCK, TWO_GIB, { bytes: 0, peak: 0, closed: false });
    const { result, meter, before } = await measure(async (m) => {
      const zip = lazyZip([{ name: 'table.csv', data: utf8('group,n\na,12\nb,15\n') }], 'notes.txt', member, m);
      return checkFile('outputs.zip', counted(zip, m));
    });
    expect(result.verdict).toBe('review');
    expect(result.findings.map((f) => f.message)).toEqual(['notes.txt: Free text cannot be checked automatically; a checker must read it.']);
    expect(meter.bytes).toBeGreaterThan(TWO_GIB - 2 ** 20);
    expect(meter.closed).toBe(true);
    expect(meter.peak - before).toBeLessThan(FLAT);
  });

  it('XLSX: a 2 GiB sheet goes to review as too large, read to the end with flat memory', async () => {
    const head = utf8(
      '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row><c t="inlineStr"><is><t>region</t></is></c><c t="inlineStr"><is><t>n</t></is></c></row>',
    );
    const block = rowsBlock(64_000, (i) => `<row><c t="inlineStr"><is><t>r${i % 1000}</t></is></c><c><v>${10 + (i % 90)}</v></c></row>`);
    async function* sheet(): AsyncGenerator<Uint8Array> {
      yield* repeated(head, block, TWO_GIB, { bytes: 0, peak: 0, closed: false });
      yield utf8('</sheetData></worksheet>');
    }
    const parts = [
      { name: 'xl/workbook.xml', data: utf8('<workbook xmlns:r="r"><sheets><sheet name="Big" sheetId="1" r:id="rId1"/></sheets></workbook>') },
      { name: 'xl/_rels/workbook.xml.rels', data: utf8('<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>') },
    ];
    const { result, meter, before } = await measure((m) => checkFile('big.xlsx', counted(lazyZip(parts, 'xl/worksheets/sheet1.xml', sheet(), m), m)));
    expect(result).toMatchObject({ verdict: 'review', fileType: { kind: 'xlsx' } });
    expect(result.findings.map((f) => f.message)).toEqual([
      'sheet "Big": the sheet has more than 1000000 cells (policy maxTableCells), too many to check automatically.',
    ]);
    expect(meter.bytes).toBeGreaterThan(TWO_GIB);
    expect(meter.peak - before).toBeLessThan(FLAT);
  });
});

async function* counted(source: AsyncIterable<Uint8Array>, meter: Meter): AsyncGenerator<Uint8Array> {
  let n = 0;
  for await (const chunk of source) {
    meter.bytes += chunk.length;
    if (n++ % 256 === 0) meter.peak = Math.max(meter.peak, process.memoryUsage().rss);
    yield chunk;
  }
}
