import { parseFileName, parseKind } from './upload.service';

describe('upload input', () => {
  it.each(['table.csv', 'Résumé 2025 (final).xlsx', 'a'.repeat(255)])('accepts the file name %s', (name) => {
    expect(parseFileName(name)).toBe(name);
  });
  it.each(['', '.', '..', 'a/b.csv', 'a\\b.csv', 'tab\there', 'nul\u0000', 'del\u007f', 'a'.repeat(256)])('refuses the file name %j', (name) => {
    expect(() => parseFileName(name)).toThrow(expect.objectContaining({ code: 'INVALID_FILE_NAME', status: 400 }));
  });
  it.each([
    ['right-to-left override', 'report\u202Ecsv.exe', 'U+202E'],
    ['left-to-right embedding', 'a\u202Ab.csv', 'U+202A'],
    ['first-strong isolate', 'a\u2068b.csv', 'U+2068'],
    ['zero-width space', 'ta\u200Bble.csv', 'U+200B'],
    ['zero-width non-joiner', 'ta\u200Cble.csv', 'U+200C'],
    ['word joiner', 'ta\u2060ble.csv', 'U+2060'],
    ['byte order mark', '\uFEFFtable.csv', 'U+FEFF'],
    ['soft hyphen', 'ta\u00ADble.csv', 'U+00AD'],
    ['combining grapheme joiner', 'ta\u034Fble.csv', 'U+034F'],
    ['variation selector', 'ta\uFE0Fble.csv', 'U+FE0F'],
    ['line separator', 'ta\u2028ble.csv', 'U+2028'],
    ['tag character', 'ta\u{E0041}ble.csv', 'U+E0041'],
  ])('refuses a name with a %s, naming the code point', (_what, name, codePoint) => {
    expect(() => parseFileName(name)).toThrow(
      expect.objectContaining({ code: 'FILE_NAME_INVISIBLE_CHARACTER', status: 400, extensions: { codePoints: [codePoint] } }),
    );
  });
  it('refuses C1 control characters too', () => {
    expect(() => parseFileName('a\u0085b.csv')).toThrow(expect.objectContaining({ code: 'INVALID_FILE_NAME' }));
  });
  it('stores names in NFC, so a decomposed name is the same name as its composed form', () => {
    expect(parseFileName('Re\u0301sume\u0301.csv')).toBe('R\u00e9sum\u00e9.csv');
    expect(parseFileName('\u212B.csv')).toBe('\u00C5.csv');
  });
  it('defaults the kind to output and refuses unknown kinds', () => {
    expect(parseKind(undefined)).toBe('output');
    expect(parseKind('supporting')).toBe('supporting');
    expect(() => parseKind('binary')).toThrow(expect.objectContaining({ code: 'INVALID_FILE_KIND' }));
  });
});
