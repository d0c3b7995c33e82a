import { crc32 } from '../hashing/crc32';

/** Test archives built byte by byte, including the malformed and hostile ones real tools refuse to write. */
export type ZipFixtureEntry = {
  name: string;
  data: Uint8Array;
  method?: 'stored' | 'deflate';
  /** Sizes and CRC after the data (general purpose flag bit 3), as streaming writers do. */
  dataDescriptor?: boolean;
  flags?: number;
  /** Overrides what the central directory says about this entry. */
  central?: { name?: string; crc?: number; size?: number; offset?: number };
  /** Leaves the entry out of the central directory. */
  unlisted?: boolean;
};

export type ZipFixtureOptions = {
  /** A raw DEFLATE function (node:zlib deflateRawSync in specs). */
  deflate?: (data: Uint8Array) => Uint8Array;
  comment?: string;
  /** Extra central directory records pointing at existing entries (overlapping files). */
  duplicateCentral?: number[];
  trailing?: Uint8Array;
};

const u16 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff];
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

export const buildZip = (entries: ZipFixtureEntry[], options: ZipFixtureOptions = {}): Uint8Array => {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const push = (bytes: Uint8Array | number[]): void => {
    const b = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    parts.push(b);
    offset += b.length;
  };
  const records: Uint8Array[] = [];
  for (const entry of entries) {
    const deflated = entry.method === 'deflate';
    if (deflated && !options.deflate) throw new Error('buildZip needs options.deflate for deflated entries');
    const body = deflated && options.deflate ? options.deflate(entry.data) : entry.data;
    const crc = crc32(entry.data);
    const flags = (entry.flags ?? 0) | (entry.dataDescriptor ? 0x0008 : 0) | 0x0800;
    const name = utf8(entry.name);
    const method = deflated ? 8 : 0;
    const start = offset;
    const [hCrc, hCsize, hSize] = entry.dataDescriptor ? [0, 0, 0] : [crc, body.length, entry.data.length];
    push([
      ...u32(0x04034b50),
      ...u16(20),
      ...u16(flags),
      ...u16(method),
      ...u16(0),
      ...u16(0x21),
      ...u32(hCrc),
      ...u32(hCsize),
      ...u32(hSize),
      ...u16(name.length),
      ...u16(0),
    ]);
    push(name);
    push(body);
    if (entry.dataDescriptor) push([...u32(0x08074b50), ...u32(crc), ...u32(body.length), ...u32(entry.data.length)]);
    const c = entry.central ?? {};
    const cName = utf8(c.name ?? entry.name);
    const record = Uint8Array.from([
      ...u32(0x02014b50),
      ...u16(20),
      ...u16(20),
      ...u16(flags),
      ...u16(method),
      ...u16(0),
      ...u16(0x21),
      ...u32(c.crc ?? crc),
      ...u32(body.length),
      ...u32(c.size ?? entry.data.length),
      ...u16(cName.length),
      ...u16(0),
      ...u16(0),
      ...u16(0),
      ...u16(0),
      ...u32(0),
      ...u32(c.offset ?? start),
      ...cName,
    ]);
    records.push(record);
    if (!entry.unlisted) central.push(record);
  }
  for (const index of options.duplicateCentral ?? []) central.push(records[index]);
  const centralStart = offset;
  central.forEach(push);
  const comment = utf8(options.comment ?? '');
  push([
    ...u32(0x06054b50),
    ...u16(0),
    ...u16(0),
    ...u16(central.length),
    ...u16(central.length),
    ...u32(offset - centralStart),
    ...u32(centralStart),
    ...u16(comment.length),
  ]);
  push(comment);
  if (options.trailing) push(options.trailing);
  const out = new Uint8Array(offset);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};
