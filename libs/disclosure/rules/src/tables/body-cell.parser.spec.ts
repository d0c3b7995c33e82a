import fc from 'fast-check';
import { parseBodyCell } from './body-cell.parser';

describe('body cells', () => {
  it('reads plain digits as the number JavaScript reads, up to 15 digits and past them', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,20}$/), (digits) => {
        expect(parseBodyCell(digits)).toBe(Number(digits));
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    [' 12 ', 12],
    ['1,234', 1234],
    ['-3', -3],
    ['2.5', 2.5],
    ['1e3', 1000],
  ])('reads %j as the number %d', (raw, value) => {
    expect(parseBodyCell(raw)).toBe(value);
  });

  it.each([['*'], [''], ['<10'], ['[c]']])('reads %j as suppressed', (raw) => {
    expect(parseBodyCell(raw)).toMatchObject({ kind: 'suppressed' });
  });

  it.each([
    ['=HYPERLINK("http://x")', true],
    ['n/k', false],
  ])('reads %j as text (formula: %s)', (raw, formula) => {
    expect(parseBodyCell(raw)).toEqual({ kind: 'text', formula });
  });
});
