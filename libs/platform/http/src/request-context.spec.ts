import { expectedVersionOfCurrentRequest, parseIfMatch, runWithRequestContext } from './request-context';

describe('If-Match', () => {
  it.each([['"7"', 7], ['7', 7], ['W/"12"', 12], ['*', undefined], [undefined, undefined]])('reads %j as %j', (header, version) => {
    expect(parseIfMatch(header)).toBe(version);
  });
  it.each(['"abc"', '"-1"', '1,2', '"99999999999"'])('refuses %j with a clear 400', (header) => {
    expect(() => parseIfMatch(header)).toThrow(expect.objectContaining({ status: 400, code: 'INVALID_IF_MATCH' }));
  });
  it('carries the expected version through async work of the same HTTP request only', async () => {
    const seen = await runWithRequestContext({ expectedVersion: 3 }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return expectedVersionOfCurrentRequest();
    });
    expect(seen).toBe(3);
    expect(expectedVersionOfCurrentRequest()).toBeUndefined();
  });
});
