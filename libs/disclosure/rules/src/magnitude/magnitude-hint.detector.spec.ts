import { DEFAULT_POLICY } from '../disclosure.policy';
import { checkFiles } from '../files.checker';
import { textSource } from '../testing/byte-source.fixture';

const check = (files: Record<string, string>) =>
  checkFiles(
    Object.entries(files).map(([name, text]) => ({
      name,
      kind: name.includes('.evidence.') ? ('supporting' as const) : ('output' as const),
      open: () => textSource(text),
    })),
    DEFAULT_POLICY,
  );
const EVIDENCE = 'row,column,contributors,total,largest,second_largest\nNorth,mean income,12,372000,40000,38000\nSouth,mean income,15,450000,41000,39000\n';

describe('magnitude tables without evidence', () => {
  it.each([
    ['a header naming an amount', 'region,mean income\nNorth,31000\nSouth,30000\n', 'a header names a magnitude ("mean income")'],
    ['currency in the header', 'region,£\nNorth,31000\nSouth,30000\n', 'a header names a magnitude ("£")'],
    ['currency amounts in cells', 'region,spend\nNorth,"£31,000"\nSouth,£30000\n', 'a header names a magnitude ("spend")'],
    ['currency amounts under a neutral header', 'region,x\nNorth,"£31,000"\nSouth,£30000\n', 'cells hold currency amounts'],
    ['values that are not whole numbers', 'region,x\nNorth,31.5\nSouth,30\n', 'cells are not whole numbers'],
  ])('go to review, never pass as counts: %s', async (_case, text, reason) => {
    const [result] = await check({ 'income.csv': text });
    expect(result.verdict).toBe('review');
    const finding = result.findings.find((f) => f.rule === 'nk-dominance');
    expect(finding).toMatchObject({ verdict: 'review', cells: [] });
    expect(finding?.message).toContain(reason);
    expect(finding?.message).toContain('dominance (p% and nk rules) could not be checked');
    expect(finding?.message).toContain('income.evidence.csv');
    expect(finding?.message).not.toMatch(/31|30/);
  });

  it('quotes a long magnitude header cut by characters, never half an emoji (a lone surrogate cannot be stored in the event)', async () => {
    const header = `${'a'.repeat(59)}😀 mean income`; // the emoji is the 60th character and two UTF-16 units
    const [result] = await check({ 'income.csv': `region,${header}\nNorth,31000\nSouth,30000\n` });
    const message = result.findings.find((f) => f.rule === 'nk-dominance')?.message ?? '';
    expect(message).toContain(`("${'a'.repeat(59)}😀")`);
    expect(message).not.toMatch(/\p{Cs}/u);
  });

  it('leaves count tables with Total margins and "total admissions" to the count rules', async () => {
    const [result] = await check({ 'a.csv': 'ward,total admissions,Total\nA,120,120\nB,140,140\nTotal,260,260\n' });
    expect(result.findings.filter((f) => f.rule === 'nk-dominance')).toEqual([]);
  });

  it.each(['income.evidence.csv', 'income.csv.evidence.csv'])('pairs the table with its evidence named %s', async (evidenceName) => {
    const [table, evidence] = await check({ 'income.csv': 'region,mean income\nNorth,31000\nSouth,30000\n', [evidenceName]: EVIDENCE });
    expect(evidence.supporting).toBe('evidence');
    expect(evidence.findings[0].message).toContain('Evidence for income.csv');
    expect(table.findings.map((f) => f.message).join(' ')).not.toContain('could not be checked');
  });
});
