import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deflateRawSync } from 'node:zlib';

// The real CLI as a researcher runs it: `npx airlock-check` is this launcher.
const BIN = resolve(__dirname, '../../../packages/airlock-check/bin/airlock-check.js');
const FIXTURES = resolve(__dirname, '../../../libs/disclosure/rules/src/testing/fixtures');
const ACRO_FIXTURE = resolve(FIXTURES, 'acro-results');

type Run = { code: number; stdout: string; stderr: string };

const run = (cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> =>
  new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: number }).code ?? 99) : 0, stdout, stderr });
    });
  });

const folder = (files: Record<string, string | Uint8Array>): string => {
  const root = mkdtempSync(join(tmpdir(), 'airlock-check-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
};

const lines = (stdout: string): Record<string, unknown>[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const PASSING = 'age,A,B\n18-40,25,30\n41+,40,35\n';
const FAILING = 'sex,smokers,non-smokers\nF,7,120\nM,45,130\n'; // 7 is the disclosive value: it must never be printed
const EVIDENCE = 'row,column,contributors,total,largest,second_largest\nNorth,A,12,10000,5000,4001\nNorth,B,12,1000,200,150\n';

jest.setTimeout(60_000);

describe('airlock-check (the CLI as a child process)', () => {
  it('exits 0 and prints a readable report when every file passes', async () => {
    const result = await run(folder({ 'ages.csv': PASSING }), ['ages.csv']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('PASS    ages.csv (csv)');
    expect(result.stdout).toContain('1 file: 0 fail, 0 review, 1 pass');
  });

  it('exits 1 on a failing table and prints one JSON object per file, never the failing value', async () => {
    const result = await run(folder({ 'smoking.csv': FAILING, 'ages.csv': PASSING }), ['--json', 'smoking.csv', 'ages.csv']);
    expect(result.code).toBe(1);
    const [smoking, ages] = lines(result.stdout);
    expect(smoking).toEqual({
      file: 'smoking.csv',
      verdict: 'fail',
      type: 'csv',
      findings: [
        {
          rule: 'threshold',
          verdict: 'fail',
          cells: [{ row: 0, column: 0, rowLabel: 'F', columnLabel: 'smokers' }],
          message: '1 cell has fewer than 10 contributors',
        },
        {
          rule: 'class-disclosure',
          verdict: 'fail',
          cells: [{ row: 0, column: 1, rowLabel: 'F', columnLabel: 'non-smokers' }],
          message: '1 cell has more than 0.9 of their row or column total, disclosing the attribute of nearly everyone in that category',
        },
      ],
    });
    expect(ages).toEqual({ file: 'ages.csv', verdict: 'pass', type: 'csv', findings: [] });
    expect(result.stdout).not.toContain('7');
    // The readable report ends with the rules version, which is not a cell.
    const text = (await run(folder({ 'smoking.csv': FAILING }), ['smoking.csv'])).stdout;
    expect(text.replace(/; rules \S+\n$/, '')).not.toContain('7');
  });

  it('exits 2 when nothing fails but something needs review', async () => {
    const result = await run(folder({ 'notes.txt': 'We found that smoking fell.\n', 'ages.csv': PASSING }), ['.']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('REVIEW  notes.txt (text)');
  });

  it('walks folders and pairs a table with its evidence file', async () => {
    const root = folder({ 'out/income.csv': 'region,A,B\nNorth,1234.5,99.5\n', 'out/income.evidence.csv': EVIDENCE, 'out/sub/ages.csv': PASSING });
    const result = await run(root, ['--json', 'out']);
    expect(result.code).toBe(1);
    expect(lines(result.stdout).map((l) => [l.file, l.verdict, l.supporting ?? null, (l.findings as { rule: string }[]).map((f) => f.rule)])).toEqual([
      ['out/income.csv', 'fail', null, ['nk-dominance']],
      ['out/income.evidence.csv', 'pass', 'evidence', ['file-type']],
      ['out/sub/ages.csv', 'pass', null, []],
    ]);
  });

  it('checks archives and workbooks member by member', async () => {
    const zip = readFileSync(resolve(__dirname, '../../../libs/disclosure/rules/src/testing/fixtures/python-zipfile.zip'));
    const result = await run(folder({ 'outputs.zip': zip }), ['--json', 'outputs.zip']);
    expect(result.code).toBe(1);
    expect((lines(result.stdout)[0].findings as { message: string }[])[0].message).toBe('tables/smoking.csv: 1 cell has fewer than 10 contributors');
  });

  it('applies the policy given with --policy', async () => {
    const root = folder({ 'smoking.csv': FAILING, 'policy.json': '{"threshold": 5, "classDisclosureShare": 0.95}' });
    expect((await run(root, ['smoking.csv', '--policy', 'policy.json'])).code).toBe(0);
  });

  it.each([
    ['an unknown option', ['--jsn', 'a.csv'], /Unknown option --jsn\.\nRun airlock-check --help for usage\./],
    ['no paths', ['--json'], /Name at least one file or folder to check\./],
    ['a missing path', ['nope.csv'], /No such file or folder: nope\.csv/],
    ['a policy that is not JSON', ['a.csv', '--policy', 'broken.json'], /The policy file broken\.json is not valid JSON/],
    ['a policy with an unknown key', ['a.csv', '--policy', 'typo.json'], /In the policy file typo\.json: Unknown policy key "treshold"/],
    ['a missing policy file', ['a.csv', '--policy', 'absent.json'], /Cannot read the policy file absent\.json: ENOENT/],
  ])('exits 3 with a clear message on %s', async (_name, args, message) => {
    const root = folder({ 'a.csv': PASSING, 'broken.json': '{"threshold": 5,', 'typo.json': '{"treshold": 5}' });
    const result = await run(root, args);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });

  it('prints usage with --help and exits 0', async () => {
    const result = await run(folder({}), ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: airlock-check <files or folders\.\.\.> \[--policy policy\.json\] \[--json\]/);
    expect(result.stdout).toContain('Exit codes: 0 every file passes, 1 any file fails, 2 none fails but some need review');
  });

  it('reports progress on stderr for big inputs, keeping stdout for the report', async () => {
    const result = await run(folder({ 'ages.csv': PASSING }), ['--json', 'ages.csv'], { AIRLOCK_CHECK_PROGRESS_BYTES: '1' });
    expect(result.stderr).toMatch(/^airlock-check: read 30 B of 30 B \(100%\), checking ages\.csv\n/);
    expect(lines(result.stdout)).toHaveLength(1);
  });

  it('reads an ACRO results folder and carries over its statuses', async () => {
    const root = folder({});
    const result = await run(root, ['--json', ACRO_FIXTURE]);
    const table = lines(result.stdout).find((l) => String(l.file).endsWith('output_0_0.csv'));
    expect(table).toMatchObject({
      verdict: 'fail',
      acro: { outputId: 'output_0', status: 'fail', exception: 'the R/G counts are published in the annual report' },
    });
  });

  it('writes an ACRO results folder that SACRO-Viewer can open, with --acro-results', async () => {
    const root = folder({ 'out/smoking.csv': FAILING, 'out/ages.csv': PASSING, 'out/notes.txt': 'Context.\n' });
    const result = await run(root, ['out', '--acro-results', 'sacro'], { AIRLOCK_CHECK_PROGRESS_BYTES: String(2 ** 40) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/wrote .*sacro\/results\.json for SACRO-Viewer/);
    const exported = JSON.parse(readFileSync(join(root, 'sacro/results.json'), 'utf8')) as {
      version: string;
      results: Record<string, { status: string; files: { name: string; sdc: { cells: Record<string, number[][]> } }[] }>;
    };
    expect(Object.keys(exported.results)).toEqual(['out/ages.csv', 'out/notes.txt', 'out/smoking.csv']);
    expect(exported.results['out/smoking.csv'].status).toBe('fail');
    expect(exported.results['out/smoking.csv'].files[0].sdc.cells).toEqual({ threshold: [[0, 0]], 'class-disclosure': [[0, 1]] });
    expect(readdirSync(join(root, 'sacro/checksums')).sort()).toEqual(['out', 'results.json.txt']);
    expect((await run(root, ['out', '--acro-results', 'sacro'])).code).toBe(3); // never into a folder that is not empty
  });

  it('fails a zip bomb named like a table with an archive finding', async () => {
    const zeros = new Uint8Array(20 << 20);
    const compressed = deflateRawSync(zeros);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(8, 8);
    header.writeUInt32LE(compressed.length, 18);
    header.writeUInt32LE(zeros.length, 22);
    header.writeUInt16LE(5, 26);
    const bomb = Buffer.concat([header, Buffer.from('z.csv'), compressed]);
    const result = await run(folder({ 'table.csv': bomb }), ['--json', 'table.csv']);
    expect(result.code).toBe(1);
    expect(lines(result.stdout)[0]).toMatchObject({ verdict: 'fail', type: 'zip', findings: [{ rule: 'archive', verdict: 'fail' }] });
  });

  it('checks tables against earlier released outputs with --against, naming the other file in "against"', async () => {
    // Released in March by 0-17 / 18-64 / 65+; now by 0-15 / 16-64 / 65+: the 16-17 band (3) would follow.
    const root = folder({
      'released/2026-03/ages.csv': 'age,patients\n0-17,120\n18-64,830\n65+,250\n',
      'outputs/ages.csv': 'age,patients\n0-15,117\n16-64,833\n65+,250\n',
      'outputs/deaths.csv': 'age,deaths\n0-15,12\n16-64,40\n65+,210\n',
    });
    expect((await run(root, ['outputs'])).code).toBe(0);
    const result = await run(root, ['--json', 'outputs', '--against', 'released']);
    expect(result.code).toBe(1);
    const [ages, deaths] = lines(result.stdout);
    expect(ages).toMatchObject({ file: 'outputs/ages.csv', verdict: 'fail' });
    expect(ages.findings).toEqual([
      {
        rule: 'differencing',
        verdict: 'fail',
        cells: [
          { row: 0, column: 0, rowLabel: '0-15', columnLabel: 'patients' },
          { row: 1, column: 0, rowLabel: '16-64', columnLabel: 'patients' },
        ],
        message:
          'Overlapping bands: this table and "released/2026-03/ages.csv" (released earlier) together give the count of 16-17 (patients) exactly, and it is below the threshold of 10.',
        against: 'released/2026-03/ages.csv',
      },
    ]);
    expect(deaths).toMatchObject({ file: 'outputs/deaths.csv', verdict: 'pass', findings: [] });
    expect(result.stdout).not.toMatch(/\b3\b/);
    const text = await run(root, ['outputs/ages.csv', '--against', 'released/2026-03/ages.csv']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('differencing');
  });

  it('differences a workbook sheet against a table inside a released archive, naming both parts', async () => {
    // The same ages as above: March inside a zip (tables/ages.csv), April in the sheet "Ages" of a workbook.
    const root = folder({
      'released/ages-march.zip': readFileSync(resolve(FIXTURES, 'ages-march.zip')),
      'outputs/ages-april.xlsx': readFileSync(resolve(FIXTURES, 'ages-april.xlsx')),
    });
    expect((await run(root, ['--json', 'outputs'])).code).toBe(0);
    const result = await run(root, ['--json', 'outputs', '--against', 'released']);
    expect(result.code).toBe(1);
    const [book] = lines(result.stdout);
    expect(book).toMatchObject({ file: 'outputs/ages-april.xlsx', verdict: 'fail' });
    expect(book.findings).toEqual([
      {
        rule: 'differencing',
        verdict: 'fail',
        cells: [
          { row: 0, column: 0, rowLabel: '0-15', columnLabel: 'patients' },
          { row: 1, column: 0, rowLabel: '16-64', columnLabel: 'patients' },
        ],
        message:
          'sheet "Ages": Overlapping bands: this table and "released/ages-march.zip" (member "tables/ages.csv") (released earlier) together give the count of 16-17 (patients) exactly, and it is below the threshold of 10.',
        against: 'released/ages-march.zip',
      },
    ]);
    expect(result.stdout).not.toMatch(/\b3\b/);
  });
});
