import { DEFAULT_POLICY, type DisclosurePolicy } from '../disclosure.policy';
import type { Finding, RuleName } from '../disclosure.types';
import { summarizeContributions, type CellStats, type MagnitudeCell, type MagnitudeStatistic } from './cell-stats';
import { checkMagnitudeCells } from './magnitude-table.check';

/** Ten or more contributors of 10 each: nothing dominates, so only the rule under test can fire. */
const FILLER = Array.from({ length: 10 }, () => 10);

const cell = (stats: CellStats): MagnitudeCell => ({ ref: { row: 0, column: 0, rowLabel: 'r', columnLabel: 'c' }, stats });

const check = (values: (number | null)[], statistic: MagnitudeStatistic = 'sum', policy: DisclosurePolicy = DEFAULT_POLICY): Finding[] =>
  checkMagnitudeCells([cell(summarizeContributions(values, Math.max(2, policy.nkN)))], statistic, policy);

const rules = (findings: Finding[]): [RuleName, string][] => findings.map((f) => [f.rule, f.verdict]);

describe('summarizeContributions', () => {
  it('keeps N, the total and the largest values, and notes negatives, missing values and sameness', () => {
    expect(summarizeContributions([3, null, 9, Number.NaN, -1, 7], 2)).toEqual({
      contributors: 4,
      total: 18,
      largest: [9, 7],
      negative: true,
      missing: 2,
      allSame: false,
    });
    expect(summarizeContributions([4, 4, 4], 3)).toMatchObject({ largest: [4, 4, 4], allSame: true, negative: false });
  });
});

describe('magnitude tables: minimum threshold on contributors', () => {
  it('passes 10 contributors and fails 9', () => {
    expect(check(Array.from({ length: 10 }, () => 100))).toEqual([]);
    expect(rules(check(Array.from({ length: 9 }, () => 100)))).toEqual([['threshold', 'fail']]);
  });

  it('counts contributors, not rows: missing values do not contribute', () => {
    expect(rules(check([...Array.from({ length: 9 }, () => 100), null]))).toEqual([['threshold', 'fail']]);
  });
});

describe('p% rule (p = 0.10)', () => {
  // A cell at the p% boundary is dominated by its top two, so nk-dominance is switched off here.
  const policy = { ...DEFAULT_POLICY, nkK: 1 };

  it('passes a ratio of exactly 0.10', () => {
    // (T − x1 − x2) / x1 = (1600 − 1000 − 500) / 1000 = 0.10
    expect(check([1000, 500, ...FILLER], 'sum', policy)).toEqual([]);
  });

  it('fails a ratio just under 0.10', () => {
    const findings = check([1000, 500, ...FILLER.slice(1), 9.99], 'sum', policy);
    expect(rules(findings)).toEqual([['p-ratio', 'fail']]);
    expect(findings[0].message).toBe('1 cell has a largest contributor that the others hide by less than p = 0.1 of its value');
  });

  it('fails a cell with no positive total while zeros are disclosive (as ACRO)', () => {
    const zeros = Array.from({ length: 12 }, () => 0);
    expect(rules(check(zeros))).toEqual([
      ['p-ratio', 'fail'],
      ['nk-dominance', 'fail'],
    ]);
    expect(check(zeros, 'sum', { ...DEFAULT_POLICY, zerosAreDisclosive: false })).toEqual([]);
  });
});

describe('nk-dominance (n = 2, k = 0.90)', () => {
  // Large enough remainders keep the p% rule quiet, so only nk-dominance is judged.
  const policy = { ...DEFAULT_POLICY, p: 0 };

  it('passes a top-two share of exactly 0.90', () => {
    expect(check([5000, 4000, ...Array.from({ length: 10 }, () => 100)], 'sum', policy)).toEqual([]);
  });

  it('fails a top-two share of 0.9001', () => {
    expect(rules(check([5001, 4000, ...Array.from({ length: 9 }, () => 100), 99], 'sum', policy))).toEqual([['nk-dominance', 'fail']]);
  });

  it('sums n largest contributions for another n', () => {
    const three = { ...policy, nkN: 3, nkK: 0.5 };
    expect(rules(check([20, 20, 20, ...FILLER], 'sum', three))).toEqual([]);
    expect(rules(check([40, 40, 40, ...FILLER], 'sum', three))).toEqual([['nk-dominance', 'fail']]);
  });

  it('sends a cell to review when fewer than n largest values are known (an evidence file gives two)', () => {
    const stats: CellStats = { contributors: 20, total: 1000, largest: [100, 90], negative: false, missing: 0, allSame: false };
    const findings = checkMagnitudeCells([cell(stats)], 'sum', { ...DEFAULT_POLICY, nkN: 3 });
    expect(rules(findings)).toEqual([['nk-dominance', 'review']]);
  });
});

describe('negative contributions', () => {
  it('sends the cell to review and does not judge its dominance', () => {
    const findings = check([-5000, 1, ...FILLER]);
    expect(rules(findings)).toEqual([['negative', 'review']]);
    expect(findings[0].message).toBe('1 cell has negative contributions, so dominance (p-ratio, nk) is undefined');
  });
});

describe('missing values', () => {
  it('sends cells with missing contributions to review only when the policy asks', () => {
    const values = [...FILLER, 10, null];
    expect(check(values)).toEqual([]);
    expect(rules(check(values, 'sum', { ...DEFAULT_POLICY, checkMissingValues: true }))).toEqual([['missing', 'review']]);
  });
});

describe('all values the same', () => {
  it('fails a mode cell whose contributions are all equal, however many there are', () => {
    expect(
      rules(
        check(
          Array.from({ length: 50 }, () => 3),
          'mode',
        ),
      ),
    ).toEqual([['all-same', 'fail']]);
  });

  it('passes a mode cell with two different values, and ignores sameness for other statistics', () => {
    expect(check([...Array.from({ length: 49 }, () => 3), 4], 'mode')).toEqual([]);
    expect(
      check(
        Array.from({ length: 50 }, () => 3),
        'mean',
      ),
    ).toEqual([]);
  });
});
