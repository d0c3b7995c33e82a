import { endOfDay } from './accreditation-day';

const NOW = '2026-12-07T15:00:00.000Z';

describe('endOfDay (the administrator page’s accreditation expiry)', () => {
  it('gives the last second of the day chosen, UTC', () => {
    expect(endOfDay('2031-01-31', NOW)).toBe('2031-01-31T23:59:59.000Z');
    expect(endOfDay(' 2026-12-07 ', NOW)).toBe('2026-12-07T23:59:59.000Z');
  });

  it.each([['2031-02-30'], ['2031-13-01'], ['31/01/2031'], ['2031-1-31'], [''], [undefined], [['2031-01-31']], ['2031-01-31T00:00:00Z']])(
    'refuses %p with 400 INVALID_ACCREDITATION',
    (value) => {
      expect(() => endOfDay(value, NOW)).toThrow(expect.objectContaining({ status: 400, code: 'INVALID_ACCREDITATION' }));
    },
  );

  it('refuses a day already over', () => {
    expect(() => endOfDay('2026-12-06', NOW)).toThrow('The accreditation must end after today');
  });
});
