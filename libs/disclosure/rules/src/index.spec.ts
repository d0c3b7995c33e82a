import { checkFile, DEFAULT_POLICY, detectFileType, RULES_VERSION } from './index';
import { textSource } from './testing/byte-source.fixture';

describe('@airlock/disclosure-rules public API', () => {
  it('checks a file through the index, with ACRO default policy', async () => {
    expect(DEFAULT_POLICY).toMatchObject({ threshold: 10, zerosAreDisclosive: true });
    expect(detectFileType(new Uint8Array(0), 'x.csv').kind).toBe('empty');
    const result = await checkFile('t.csv', textSource('sex,smokers\nF,9\n'));
    expect(result).toMatchObject({ verdict: 'fail', rulesVersion: RULES_VERSION, policy: DEFAULT_POLICY });
  });
});
