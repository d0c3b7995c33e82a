import { DEFAULT_POLICY } from '../disclosure.policy';
import { checkFile } from '../file.checker';
import { textSource } from '../testing/byte-source.fixture';
import { dofRule, findResidualDof } from './dof.rule';

const statsmodels = (dof: number): string =>
  [
    '                            OLS Regression Results',
    '==============================================================================',
    'Dep. Variable:          inc_activity   R-squared:                       0.894',
    `No. Observations:                 ${dof + 3}   AIC:                             1.2e+04`,
    `Df Residuals:                     ${dof}   BIC:                             1.2e+04`,
    'Df Model:                           2',
  ].join('\n') + '\n';

describe('residual degrees of freedom (minimum 10)', () => {
  it('passes 10 and fails 9', () => {
    expect(dofRule([10], DEFAULT_POLICY)).toEqual([]);
    expect(dofRule([9, 10, 3], DEFAULT_POLICY)).toEqual([
      { rule: 'dof', verdict: 'fail', cells: [], message: '2 models have fewer than 10 residual degrees of freedom' },
    ]);
  });

  it('finds residual DoF in statsmodels and R summaries', () => {
    const r = 'Residual standard error: 1.2 on 8 degrees of freedom\n    Residual deviance: 12.5  on 40  degrees of freedom\n';
    expect(findResidualDof(statsmodels(811) + r)).toEqual([811, 8, 40]);
  });

  it('fails a model output file with too few residual DoF, and otherwise leaves it to review', async () => {
    const small = await checkFile('model.txt', textSource(statsmodels(9)));
    expect(small.verdict).toBe('fail');
    expect(small.findings.map((f) => f.rule)).toEqual(['dof', 'file-type']);
    expect((await checkFile('model.txt', textSource(statsmodels(10)))).verdict).toBe('review');
  });
});
