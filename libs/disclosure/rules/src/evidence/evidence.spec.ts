import { DEFAULT_POLICY, type DisclosurePolicy } from '../disclosure.policy';
import type { FileResult, RuleName, Verdict } from '../disclosure.types';
import { checkFiles } from '../files.checker';
import { fileSet } from '../testing/file-set.fixture';

const HEADER = 'row,column,contributors,total,largest,second_largest';

/** A one-cell income table and its evidence line. */
const oneCell = (evidence: string, extraHeader = '', value = '1234.5'): Record<string, string> => ({
  'income.csv': `region,mean income\nNorth,${value}\n`,
  'income.evidence.csv': `${HEADER}${extraHeader}\nNorth,mean income,${evidence}\n`,
});

const check = async (files: Record<string, string>, policy: DisclosurePolicy = DEFAULT_POLICY): Promise<FileResult[]> => checkFiles(fileSet(files), policy);

const table = async (files: Record<string, string>, policy?: DisclosurePolicy): Promise<FileResult> => (await check(files, policy))[0];

const rules = (result: FileResult): [RuleName, Verdict][] => result.findings.map((f) => [f.rule, f.verdict]);

describe('magnitude tables with an evidence file: minimum threshold on contributors', () => {
  it('passes 10 contributors and fails 9', async () => {
    expect(await table(oneCell('10,1000,150,140'))).toMatchObject({ verdict: 'pass', findings: [] });
    const nine = await table(oneCell('9,1000,150,140'));
    expect(rules(nine)).toEqual([['threshold', 'fail']]);
    expect(nine.findings[0]).toMatchObject({
      cells: [{ row: 0, column: 0, rowLabel: 'North', columnLabel: 'mean income' }],
      message: '1 cell has fewer than 10 contributors',
    });
  });
});

describe('magnitude tables with an evidence file: p% rule (p = 0.10)', () => {
  // At the p% boundary the top two always dominate, so nk-dominance is switched off here.
  const policy = { ...DEFAULT_POLICY, nkK: 1 };

  it('passes a ratio of exactly 0.10: (1600 − 1000 − 500) / 1000', async () => {
    expect((await table(oneCell('12,1600,1000,500'), policy)).verdict).toBe('pass');
  });

  it('fails a ratio just under 0.10', async () => {
    expect(rules(await table(oneCell('12,1599.99,1000,500'), policy))).toEqual([['p-ratio', 'fail']]);
  });
});

describe('magnitude tables with an evidence file: nk-dominance (n = 2, k = 0.90)', () => {
  it('passes a top-two share of exactly 0.90 and fails 0.9001', async () => {
    expect((await table(oneCell('12,10000,5000,4000'))).verdict).toBe('pass');
    expect(rules(await table(oneCell('12,10000,5000,4001')))).toEqual([['nk-dominance', 'fail']]);
  });

  it('sends a cell to review when n is larger than the two values an evidence file gives', async () => {
    expect(rules(await table(oneCell('12,10000,1000,900'), { ...DEFAULT_POLICY, nkN: 3 }))).toEqual([['nk-dominance', 'review']]);
  });
});

describe('magnitude tables with an evidence file: negative, missing and identical contributions', () => {
  it('sends negative contributions to review and leaves dominance unjudged', async () => {
    // The rest, T − x1 − x2 = −200, can only be negative if some contribution is.
    expect(rules(await table(oneCell('12,1000,700,500')))).toEqual([['negative', 'review']]);
    expect(rules(await table(oneCell('12,10000,3000,2000,-5', ',smallest')))).toEqual([['negative', 'review']]);
  });

  it('sends cells with missing contributions to review only when the policy asks', async () => {
    const files = oneCell('12,10000,3000,2000,4', ',missing');
    expect((await table(files)).verdict).toBe('pass');
    expect(rules(await table(files, { ...DEFAULT_POLICY, checkMissingValues: true }))).toEqual([['missing', 'review']]);
  });

  it('fails a mode cell whose contributions are all the same (T = N · x1)', async () => {
    expect(rules(await table(oneCell('12,36,3,3,mode', ',statistic')))).toEqual([['all-same', 'fail']]);
    expect((await table(oneCell('12,37,4,3,mode', ',statistic'))).verdict).toBe('pass');
  });
});

describe('magnitude tables with an evidence file: matching cells', () => {
  const twoByTwo = 'region,A,B\nNorth,100.5,200.25\nSouth,*,310\n';

  it('names cells by label or by 0-based position, and needs no evidence for suppressed cells', async () => {
    const byLabel = `${HEADER}\nNorth,A,12,1000,200,150\nNorth,B,12,1000,200,150\nSouth,B,12,1000,200,150\n`;
    const byIndex = `${HEADER}\n0,0,12,1000,200,150\n0,1,12,1000,200,150\n1,1,12,1000,200,150\n`;
    for (const evidence of [byLabel, byIndex]) {
      expect(await table({ 't.csv': twoByTwo, 't.evidence.csv': evidence })).toMatchObject({ verdict: 'pass' });
    }
  });

  it('sends a magnitude table past maxTableCells to review: it is matched to its evidence in memory', async () => {
    const byLabel = `${HEADER}\nNorth,A,12,1000,200,150\nNorth,B,12,1000,200,150\nSouth,B,12,1000,200,150\n`;
    const result = await table({ 't.csv': twoByTwo, 't.evidence.csv': byLabel }, { ...DEFAULT_POLICY, maxTableCells: 3 });
    expect(result.verdict).toBe('review');
    expect(result.findings.map((f) => f.message)).toEqual([
      'The table has more than 3 cells (policy maxTableCells), too many to hold in memory and check automatically.',
    ]);
  });

  it('sends published cells without evidence, and evidence for cells the table lacks, to review', async () => {
    const evidence = `${HEADER}\nNorth,A,12,1000,200,150\nWest,A,12,1000,200,150\n`;
    const result = await table({ 't.csv': twoByTwo, 't.evidence.csv': evidence });
    expect(result.verdict).toBe('review');
    expect(result.findings.map((f) => f.message)).toEqual([
      '1 evidence line names a cell that the table does not have.',
      '2 cells of the table have no line in the evidence file, so dominance cannot be judged',
    ]);
  });

  it('reports unusable evidence lines by line number, never by value', async () => {
    const evidence = `${HEADER}\nNorth,A,twelve,1000,200,150\nNorth,B,12,1000,100,150\nSouth,B,12,1000,200,150\n`;
    const result = await table({ 't.csv': twoByTwo, 't.evidence.csv': evidence });
    const message = result.findings[0].message;
    expect(message).toMatch(/^2 evidence lines \(2, 3\) cannot be used/);
    expect(message).not.toMatch(/twelve|150/);
  });
});

describe('the evidence file itself', () => {
  it('is supporting material that never leaves, paired with its table', async () => {
    const [, evidence] = await check(oneCell('10,1000,150,140'));
    expect(evidence).toMatchObject({ name: 'income.evidence.csv', verdict: 'pass', supporting: 'evidence' });
    expect(evidence.findings[0].message).toBe(
      'Evidence for income.csv (the number of contributors and the two largest contributions of each cell): supporting material for output checkers, never released.',
    );
  });

  it('fails when submitted as an output', async () => {
    const [, evidence] = await checkFiles(fileSet(oneCell('10,1000,150,140'), { 'income.evidence.csv': 'output' }));
    expect(evidence).toMatchObject({ verdict: 'fail', findings: [expect.objectContaining({ rule: 'file-type', verdict: 'fail' })] });
  });

  it('goes to review when no table is beside it', async () => {
    const [evidence] = await check({ 'income.evidence.csv': oneCell('10,1000,150,140')['income.evidence.csv'] });
    expect(evidence.verdict).toBe('review');
    expect(evidence.findings[0].message).toContain('no CSV or TSV table named income.* beside it');
  });

  it('is not paired with a file that is not a delimited table', async () => {
    const files = fileSet({
      'income.evidence.csv': oneCell('10,1000,150,140')['income.evidence.csv'],
      'income.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    });
    const [evidence] = await checkFiles(files);
    expect(evidence.verdict).toBe('review');
    expect(evidence.findings[0].message).toContain('no CSV or TSV table named income.* beside it');
  });

  it('is an ordinary table when its header is not evidence', async () => {
    const [file] = await check({ 'counts.evidence.csv': 'sex,smokers\nF,9\n' });
    expect(rules(file)).toEqual([['threshold', 'fail']]);
    expect(file.supporting).toBeUndefined();
  });

  it('is read before its table whatever the order, and each file is opened once', async () => {
    const files = oneCell('9,1000,150,140');
    const results = await check({ 'income.evidence.csv': files['income.evidence.csv'], 'income.csv': files['income.csv'] });
    expect(results.map((r) => [r.name, r.verdict])).toEqual([
      ['income.evidence.csv', 'pass'],
      ['income.csv', 'fail'],
    ]);
  });

  it('without it, a table of means is not judged as counts', async () => {
    const [result] = await check({ 'income.csv': 'region,mean income\nNorth,1234.5\n' });
    expect(result.verdict).toBe('review');
  });
});
