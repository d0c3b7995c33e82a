import { parseFileName, parseKind } from './upload.service';

describe('upload input', () => {
  it.each(['table.csv', 'Résumé 2025 (final).xlsx', 'a'.repeat(255)])('accepts the file name %s', (name) => {
    expect(parseFileName(name)).toBe(name);
  });
  it.each(['', '.', '..', 'a/b.csv', 'a\\b.csv', 'tab\there', 'nul\u0000', 'del\u007f', 'a'.repeat(256)])('refuses the file name %j', (name) => {
    expect(() => parseFileName(name)).toThrow(expect.objectContaining({ code: 'INVALID_FILE_NAME', status: 400 }));
  });
  it('defaults the kind to output and refuses unknown kinds', () => {
    expect(parseKind(undefined)).toBe('output');
    expect(parseKind('supporting')).toBe('supporting');
    expect(() => parseKind('binary')).toThrow(expect.objectContaining({ code: 'INVALID_FILE_KIND' }));
  });
});
