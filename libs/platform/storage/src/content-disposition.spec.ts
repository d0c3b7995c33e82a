import { attachmentDisposition } from './content-disposition';

describe('attachment Content-Disposition for downloads', () => {
  it('gives a plain ASCII name as is', () => {
    expect(attachmentDisposition('table-1.csv')).toBe(`attachment; filename="table-1.csv"; filename*=UTF-8''table-1.csv`);
  });

  it('keeps the exact UTF-8 name in filename* and a safe ASCII fallback', () => {
    expect(attachmentDisposition('résumé "v2".csv')).toBe(`attachment; filename="r_sum_ _v2_.csv"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.csv`);
  });

  it.each([
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\x\\out.csv', 'out.csv'],
    ['line\r\nSet-Cookie: x=1', 'lineSet-Cookie: x=1'],
  ])('cannot steer the save path or break out of the header: %j', (name, base) => {
    const header = attachmentDisposition(name);
    expect(header).toContain(`filename="${base}"`);
    expect(header).not.toMatch(/[\r\n]/);
  });

  it('falls back to a neutral name when nothing is left', () => {
    expect(attachmentDisposition('/')).toContain('filename="download"');
  });
});
