import { DEFAULT_POLICY, type RoundingPolicy } from '../disclosure.policy';
import { checkFile } from '../file.checker';
import { parsePolicy } from '../policy.parse';
import { textSource } from '../testing/byte-source.fixture';

const roundingFindings = async (text: string, rounding: RoundingPolicy) =>
  (await checkFile('t.csv', textSource(text), { ...DEFAULT_POLICY, rounding })).findings.filter((f) => f.rule === 'rounding');

describe('rounding policy', () => {
  const table = 'area,a,b,Total\nNorth,15,20,35\nSouth,23,40,63\nTotal,38,60,98\n';

  it('fails each count not rounded to the base, naming the cells, never the values', async () => {
    const [finding] = await roundingFindings(table, 'base5');
    expect(finding).toMatchObject({
      rule: 'rounding',
      verdict: 'fail',
      message: "4 counts are not rounded to a multiple of 5, as the project's policy requires.",
    });
    expect(finding.cells.map((c) => `${c.rowLabel}/${c.columnLabel}`)).toEqual(['South/a', 'South/Total', 'Total/a', 'Total/Total']);
    expect(JSON.stringify(finding)).not.toMatch(/23|63|38|98/);
    expect((await roundingFindings(table, 'base10')).map((f) => f.cells.length)).toEqual([6]);
  });

  it('passes rounded tables, and checks nothing when rounding is not required', async () => {
    expect(await roundingFindings('area,a,b\nNorth,15,20\nSouth,0,40\n', 'base5')).toEqual([]);
    expect(await roundingFindings('area,a,b\nNorth,10,20\nSouth,0,[c]\n', 'base10')).toEqual([]);
    expect(await roundingFindings(table, 'none')).toEqual([]);
  });

  describe('midpoint 6, as OpenSAFELY defines it (docs/adr/0010-released-tables-ledger.md)', () => {
    // OpenSAFELY's mapping, in our words: 0 stays 0, x > 0 becomes 6 * ceil(x / 6) - 3.
    const midpoint6 = (x: number) => (x === 0 ? 0 : 6 * Math.ceil(x / 6) - 3);

    it('maps 0 to 0, 1-6 to 3, 7-12 to 9, 13-18 to 15', () => {
      expect([0, 1, 6, 7, 12, 13, 18, 19].map(midpoint6)).toEqual([0, 3, 3, 9, 9, 15, 15, 21]);
    });

    it('passes every value midpoint-6 rounding produces, 3 among them', async () => {
      const shown = [...new Set(Array.from({ length: 121 }, (_, x) => midpoint6(x)))];
      expect(shown.slice(0, 5)).toEqual([0, 3, 9, 15, 21]);
      const rows = shown.map((v, i) => `r${i},${v}`).join('\n');
      expect(await roundingFindings(`area,n\n${rows}\n`, 'midpoint6')).toEqual([]);
      expect(await roundingFindings('area,a,b\nNorth,0,3\nSouth,9,105\n', 'midpoint6')).toEqual([]);
    });

    it('fails every other whole count: unrounded counts, multiples of 6, base-5 rounding', async () => {
      const shown = new Set(Array.from({ length: 121 }, (_, x) => midpoint6(x)));
      const others = Array.from({ length: 121 }, (_, n) => n).filter((n) => !shown.has(n));
      expect(others.slice(0, 8)).toEqual([1, 2, 4, 5, 6, 7, 8, 10]);
      const rows = others.map((v, i) => `r${i},${v}`).join('\n');
      const [finding] = await roundingFindings(`area,n\n${rows}\n`, 'midpoint6');
      expect(finding.cellCount ?? finding.cells.length).toBe(others.length);
      expect(finding.message).toBe(`${others.length} counts are not rounded to midpoint 6 (0, 3, 9, 15, 21, ...), as the project's policy requires.`);
      const [mixed] = await roundingFindings('area,a,b\nNorth,3,10\nSouth,12,21\n', 'midpoint6');
      expect(mixed.cells.map((c) => [c.row, c.column])).toEqual([
        [0, 1],
        [1, 0],
      ]);
    });
  });

  it('skips pandas index-name rows when naming cells', async () => {
    const [finding] = await roundingFindings('area,a,b\nregion,,\nNorth,15,21\n', 'base5');
    expect(finding.cells).toEqual([{ row: 0, column: 1, rowLabel: 'North', columnLabel: 'b' }]);
  });

  it('takes a rounding policy from a policy file and refuses others', () => {
    expect(parsePolicy({ rounding: 'midpoint6' }).rounding).toBe('midpoint6');
    expect(() => parsePolicy({ rounding: 'base3' })).toThrow(/"rounding" must be one of none, base5, base10, midpoint6/);
  });
});
