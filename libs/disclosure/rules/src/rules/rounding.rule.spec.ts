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

  it('knows midpoint-6 rounding (0, 9, 15, 21, ...)', async () => {
    expect(await roundingFindings('area,a,b\nNorth,0,9\nSouth,15,105\n', 'midpoint6')).toEqual([]);
    const [finding] = await roundingFindings('area,a,b\nNorth,3,10\nSouth,12,21\n', 'midpoint6');
    expect(finding.cells.map((c) => [c.row, c.column])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
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
