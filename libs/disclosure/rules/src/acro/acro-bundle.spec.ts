import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { FileCheckResult, FileResult } from '../disclosure.types';
import { checkFile } from '../file.checker';
import { checkFiles } from '../files.checker';
import { chunked } from '../testing/byte-source.fixture';
import { fileSet } from '../testing/file-set.fixture';

// A results folder written by ACRO 1.0.2 itself (see testing/fixtures/make-fixtures.py).
const FOLDER = join(__dirname, '../testing/fixtures/acro-results');

const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
const folder = (change: (files: Record<string, string>) => void = () => undefined): Record<string, string> => {
  const files = Object.fromEntries(walk(FOLDER).map((p) => [relative(FOLDER, p), readFileSync(p, 'utf8')]));
  change(files);
  return files;
};
const byName = (results: FileResult[]): Record<string, FileResult> => Object.fromEntries(results.map((r) => [r.name, r]));
const summary = (result: FileCheckResult): string[] => result.findings.map((f) => `${f.rule} ${f.verdict}: ${f.message}`);

describe('an ACRO results folder', () => {
  it("re-checks ACRO's tables and carries over its statuses, comments and exception requests", async () => {
    const results = byName(await checkFiles(fileSet(folder())));
    const table = results['output_0_0.csv'];
    expect(table.verdict).toBe('fail');
    expect(table.acro).toEqual({
      outputId: 'output_0',
      status: 'fail',
      type: 'table',
      command: 'acro.crosstab(df.year, df.grant_type)',
      summary: expect.stringContaining('MinimumThresholdCheck: fail - 6 cells may need suppressing.'),
      comments: ['counts of charities by year and grant type'],
      exception: 'the R/G counts are published in the annual report',
      timestamp: expect.any(String),
    });
    // Our own threshold finding names the same six cells, so ACRO's is not repeated.
    expect(summary(table)).toEqual(['threshold fail: 6 cells have fewer than 10 contributors']);
  });

  it("adds ACRO's dominance findings where we cannot judge them ourselves (a table of means without evidence)", async () => {
    const means = byName(await checkFiles(fileSet(folder())))['output_1_0.csv'];
    expect(means.findings.filter((f) => f.message.startsWith('ACRO'))).toEqual([
      { rule: 'nk-dominance', verdict: 'fail', cells: [{ row: 0, column: 3 }], message: 'ACRO output_1: NKCheck flagged 1 cell' },
      {
        rule: 'p-ratio',
        verdict: 'fail',
        cells: [
          { row: 0, column: 1 },
          { row: 0, column: 3 },
        ],
        message: 'ACRO output_1: PPercentCheck flagged 2 cells',
      },
      expect.objectContaining({ rule: 'threshold', verdict: 'fail', message: 'ACRO output_1: MinimumThresholdCheck flagged 6 cells' }),
    ]);
  });

  it("marks ACRO's own files as supporting material, and carries a custom output's review", async () => {
    const results = byName(await checkFiles(fileSet(folder())));
    expect(results['results.json']).toMatchObject({ verdict: 'pass', supporting: 'acro-metadata' });
    expect(results['results.json'].findings[0].message).toBe(
      'ACRO results (version 1.0.2) for 5 outputs: supporting material for output checkers, never released.',
    );
    expect(results['checksums/output_0_0.csv.txt']).toMatchObject({ verdict: 'pass', supporting: 'acro-metadata' });
    expect(results['config.json']).toMatchObject({ verdict: 'pass', supporting: 'acro-metadata' });
    expect(results['notes.txt']).toMatchObject({ verdict: 'review', acro: { outputId: 'output_2', comments: ['context for the tables'] } });
  });

  it("fails an output that no longer matches ACRO's checksum", async () => {
    const tampered = folder((files) => {
      files['output_0_0.csv'] = files['output_0_0.csv'].replace(/,8$/m, ',18');
    });
    const table = byName(await checkFiles(fileSet(tampered)))['output_0_0.csv'];
    expect(summary(table)).toContain(
      "archive fail: The file does not match ACRO's checksum: it changed after ACRO checked it, so ACRO's results for output_0 do not apply.",
    );
  });

  it('sends an output without its checksum to review, and notes files ACRO lists that are missing', async () => {
    const partial = folder((files) => {
      delete files['checksums/notes.txt.txt'];
      delete files['output_1_0.csv'];
    });
    const results = byName(await checkFiles(fileSet(partial)));
    expect(summary(results['notes.txt'])).toContain(
      "archive review: ACRO's checksum for this file is missing, so it cannot be shown to be the file ACRO checked (output_2).",
    );
    expect(summary(results['results.json'])).toContain('archive review: ACRO lists 1 file that is not in the folder: output_1_0.csv');
  });

  it('fails a results.json whose statuses were edited after ACRO wrote them', async () => {
    const edited = folder((files) => {
      files['results.json'] = files['results.json'].replace('"status": "fail"', '"status": "pass"');
    });
    expect(summary(byName(await checkFiles(fileSet(edited)))['results.json'])).toContain(
      "archive fail: results.json does not match ACRO's checksum: ACRO's statuses were changed after ACRO wrote them.",
    );
  });

  describe('uploaded file by file into one group (no slashes in names: checksums beside the files)', () => {
    // As disclosure-check names them: each group of a request is its own folder.
    const loose = (files: Record<string, string>, group = 'acro'): Record<string, string> =>
      Object.fromEntries(Object.entries(files).map(([name, text]) => [`${group}/${name.replace(/^checksums\//, '')}`, text]));

    it('verifies the checksums, carries ACRO over and marks the checksum files as metadata', async () => {
      const results = byName(await checkFiles(fileSet(loose(folder()))));
      expect(results['acro/output_0_0.csv'].acro).toMatchObject({ outputId: 'output_0' });
      expect(summary(results['acro/output_0_0.csv'])).toEqual(['threshold fail: 6 cells have fewer than 10 contributors']);
      expect(summary(results['acro/notes.txt']).filter((m) => m.includes('checksum'))).toEqual([]);
      expect(results['acro/output_0_0.csv.txt']).toMatchObject({ verdict: 'pass', supporting: 'acro-metadata' });
      expect(results['acro/results.json']).toMatchObject({ supporting: 'acro-metadata' });
      expect(summary(results['acro/results.json']).filter((m) => m.includes('not in the folder'))).toEqual([]);
    });

    it('finds the checksums the airlock CLI flattened from checksums/ (checksums__<file>.txt)', async () => {
      const flattened = Object.fromEntries(Object.entries(folder()).map(([name, text]) => [`acro/${name.replace(/^checksums\//, 'checksums__')}`, text]));
      const results = byName(await checkFiles(fileSet(flattened)));
      expect(results['acro/checksums__output_0_0.csv.txt']).toMatchObject({ verdict: 'pass', supporting: 'acro-metadata' });
      expect(summary(results['acro/notes.txt']).filter((m) => m.includes('checksum'))).toEqual([]);
    });

    it('fails an output that no longer matches the checksum beside it', async () => {
      const tampered = loose(
        folder((files) => {
          files['output_0_0.csv'] = files['output_0_0.csv'].replace(/,8$/m, ',18');
        }),
      );
      expect(summary(byName(await checkFiles(fileSet(tampered)))['acro/output_0_0.csv'])).toContain(
        "archive fail: The file does not match ACRO's checksum: it changed after ACRO checked it, so ACRO's results for output_0 do not apply.",
      );
    });

    it("keeps two groups' ACRO folders apart: each results.json speaks only for its own group", async () => {
      const one = loose(folder(), 'first');
      const other = loose(
        folder((files) => {
          delete files['output_1_0.csv'];
        }),
        'second',
      );
      const results = byName(await checkFiles(fileSet({ ...one, ...other })));
      expect(summary(results['first/results.json']).filter((m) => m.includes('not in the folder'))).toEqual([]);
      expect(summary(results['second/results.json'])).toContain('archive review: ACRO lists 1 file that is not in the folder: output_1_0.csv');
      expect(results['second/output_0_0.csv'].acro).toMatchObject({ outputId: 'output_0' });
    });
  });

  it('is recognised inside a zip too, where its metadata would leave with the archive', async () => {
    const result = await checkFile('acro.zip', chunked(readFileSync(join(__dirname, '../testing/fixtures/acro-results.zip')), 4096));
    expect(result.verdict).toBe('fail');
    expect(summary(result)).toContain(
      "archive review: The archive holds ACRO's metadata (8 files: results.json, checksums, configuration), which would be released with it; a checker confirms.",
    );
    expect(summary(result)).toContain('nk-dominance fail: output_1_0.csv: ACRO output_1: NKCheck flagged 1 cell');
  });
});
