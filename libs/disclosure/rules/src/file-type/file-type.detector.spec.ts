import { utf8 } from '../testing/byte-source.fixture';
import { detectFileType } from './file-type.detector';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const PNG = bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d);
const PDF = utf8('%PDF-1.7\n%âãÏÓ\n');
const zipWith = (name: string): Uint8Array => {
  const header = new Uint8Array(30);
  header.set([0x50, 0x4b, 0x03, 0x04]);
  return Uint8Array.from([...header, ...utf8(name)]);
};

describe('detectFileType', () => {
  it.each([
    ['a PNG named .csv', PNG, 'table.csv', 'image', 'image/png'],
    ['a PDF named .txt', PDF, 'notes.txt', 'pdf', 'application/pdf'],
    ['a JPEG', bytes(0xff, 0xd8, 0xff, 0xe0), 'photo.csv', 'image', 'image/jpeg'],
    ['gzip', bytes(0x1f, 0x8b, 0x08, 0x00), 'data.csv', 'binary', 'application/gzip'],
    ['a legacy .xls', bytes(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1), 'table.xls', 'binary', 'application/x-ole-storage'],
    ['an xlsx by its xl/ parts', zipWith('xl/workbook.xml'), 'results.zip', 'xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ['a plain zip', zipWith('outputs/table1.csv'), 'outputs.xlsx', 'zip', 'application/zip'],
    ['NUL bytes', bytes(0x61, 0x00, 0x62, 0x2c), 'table.csv', 'binary', 'application/octet-stream'],
    ['nothing', bytes(), 'table.csv', 'empty', 'application/x-empty'],
    ['an SVG', utf8('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'), 'plot.txt', 'image', 'image/svg+xml'],
  ])('takes %s from the content', (_name, head, fileName, kind, mediaType) => {
    expect(detectFileType(head, fileName)).toEqual({ kind, mediaType });
  });

  it.each([
    ['consistent commas win over a .txt name', 'a,b,c\n1,2,3\n4,5,6\n', 'out.txt', 'csv'],
    ['consistent semicolons are csv', 'a;b\n1;2\n', 'out.txt', 'csv'],
    ['consistent tabs win over a .csv name', 'a\tb\n1\t2\n', 'out.csv', 'tsv'],
    ['prose with a stray comma is text', 'Dear checker,\nplease see the attached.\n', 'note.txt', 'text'],
    ['the name breaks a tie for prose with commas', 'Dear checker,\nplease see the attached.\n', 'note.csv', 'csv'],
    ['a single column named .csv is csv', 'count\n12\n', 'counts.csv', 'csv'],
    ['a single column named .tsv is tsv', 'count\n12\n', 'counts.tsv', 'tsv'],
    ['a header-only table named .txt is text', 'a,b,c', 'out.txt', 'text'],
  ])('%s', (_name, text, fileName, kind) => {
    expect(detectFileType(utf8(text), fileName).kind).toBe(kind);
  });

  it('reads a UTF-16 head by its BOM', () => {
    const text = 'a\tb\n1\t2\n';
    const head = Uint8Array.from([0xff, 0xfe, ...[...text].flatMap((ch) => [ch.charCodeAt(0), 0])]);
    expect(detectFileType(head, 'x.txt').kind).toBe('tsv');
  });

  it('accepts a head cut inside a multi-byte character', () => {
    const head = utf8('région,n\nNord,12\nSüd,1').slice(0, -1);
    expect(detectFileType(utf8('région,n\nNord,12\n€').slice(0, -1), 'x.csv').kind).toBe('csv');
    expect(detectFileType(head, 'x.csv').kind).toBe('csv');
  });
});
