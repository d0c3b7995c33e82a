import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkFiles } from '../files.checker';
import { fileSet } from '../testing/file-set.fixture';
import { parseAcroResults } from './acro-results';
import { ACRO_FORMAT_VERSION, toAcroResults } from './acro-results.export';

// results.json as ACRO 1.0.2 writes it (testing/fixtures/make-fixtures.py): the shape to match.
const FOLDER = join(__dirname, '../testing/fixtures/acro-results');
const acro = JSON.parse(readFileSync(join(FOLDER, 'results.json'), 'utf8')) as { version: string; results: Record<string, Record<string, unknown>> };
const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
const keys = (o: object): string[] => Object.keys(o).sort();

const TIME = '2025-01-31T12:00:00.000Z';

describe('toAcroResults: our verdicts as an ACRO results.json', () => {
  const check = () =>
    checkFiles(
      fileSet({
        'smoking.csv': 'sex,smokers,non-smokers\nF,7,120\nM,45,130\n',
        'ages.csv': 'age,A,B\n18-40,25,30\n41+,40,35\n',
        'income.csv': 'region,A\nNorth,1234.5\n',
        'income.evidence.csv': 'row,column,contributors,total,largest,second_largest\nNorth,A,12,1000,200,150\n',
      }),
    );

  it("has the keys of ACRO's own results.json, at every level", async () => {
    const exported = toAcroResults(await check(), TIME);
    expect(keys(exported)).toEqual(
      keys(acro)
        .filter((k) => k !== 'tool')
        .concat('tool')
        .sort(),
    );
    const theirs = Object.values(acro.results)[0];
    for (const output of Object.values(exported.results)) {
      expect(keys(output)).toEqual(keys(theirs));
      for (const file of output.files) {
        expect(keys(file)).toEqual(['name', 'sdc']);
        expect(keys(file.sdc)).toEqual(['cells', 'summary']);
      }
    }
    expect(exported.version).toBe(acro.version);
    expect(ACRO_FORMAT_VERSION).toBe(acro.version);
  });

  it('flags failing cells per rule, 0-based [row, column], as ACRO does', async () => {
    const { results } = toAcroResults(await check(), TIME);
    expect(results['smoking.csv']).toMatchObject({
      uid: 'smoking.csv',
      status: 'fail',
      type: 'table',
      files: [{ name: 'smoking.csv', sdc: { summary: { threshold: 1, 'class-disclosure': 1 }, cells: { threshold: [[0, 0]], 'class-disclosure': [[0, 1]] } } }],
      outcome: { smokers: { F: 'threshold; ' }, 'non-smokers': { F: 'class-disclosure; ' } },
      summary: 'fail; threshold: 1 cell; class-disclosure: 1 cell',
      timestamp: TIME,
      exception: '',
    });
    expect(results['ages.csv']).toMatchObject({ status: 'pass', comments: [], summary: 'pass' });
  });

  it('marks supporting material DO NOT RELEASE, as ACRO marks its summaries', async () => {
    const { results } = toAcroResults(await check(), TIME);
    expect(results['income.evidence.csv-DONT_RELEASE']).toMatchObject({
      status: 'review',
      type: 'custom',
      comments: ['DO NOT RELEASE - SUPPORTING MATERIAL FOR OUTPUT CHECKER USE ONLY', expect.stringContaining('never released')],
    });
  });

  it("keeps ACRO's ids, comments and exception requests, and replaces ACRO's metadata", async () => {
    const files = Object.fromEntries(walk(FOLDER).map((p) => [relative(FOLDER, p), readFileSync(p, 'utf8')]));
    const exported = toAcroResults(await checkFiles(fileSet(files)), TIME);
    expect(Object.keys(exported.results).sort()).toEqual(Object.keys(acro.results).sort());
    expect(exported.results.output_0).toMatchObject({
      status: 'fail',
      command: 'acro.crosstab(df.year, df.grant_type)',
      comments: ['counts of charities by year and grant type', 'threshold (fail): 6 cells have fewer than 10 contributors'],
      exception: 'the R/G counts are published in the annual report',
    });
    // What we write reads back as ACRO results: the round trip keeps every output.
    expect(
      parseAcroResults(new TextEncoder().encode(JSON.stringify(exported)))
        ?.outputs.map((o) => o.uid)
        .sort(),
    ).toEqual(Object.keys(acro.results).sort());
  });
});
