import { parseIfMatch, parseViewTag } from './request-context';

describe('If-Match', () => {
  it.each([
    ['"7"', 7],
    ['7', 7],
    ['W/"12"', 12],
    ['*', undefined],
    [undefined, undefined],
  ])('reads %j as %j', (header, version) => {
    expect(parseIfMatch(header)).toBe(version);
  });
  it.each(['"abc"', '"-1"', '1,2', '"99999999999"'])('refuses %j with a clear 400', (header) => {
    expect(() => parseIfMatch(header)).toThrow(expect.objectContaining({ status: 400, code: 'INVALID_IF_MATCH' }));
  });
  it.each([
    ['"v-abc_D-9"', 'v-abc_D-9'],
    ['W/"7"', '7'],
    ['*', undefined],
    [undefined, undefined],
  ])('reads the view tag %j as %j', (header, tag) => {
    expect(parseViewTag(header)).toBe(tag);
  });
  it.each(['v-abc', '""', '"a"b"', `"${'x'.repeat(129)}"`, '"a", "b"'])('refuses the view tag %j with a clear 400', (header) => {
    expect(() => parseViewTag(header)).toThrow(expect.objectContaining({ status: 400, code: 'INVALID_IF_MATCH' }));
  });
});
