import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expectEventually, type AirlockClient, type RequestView } from '@airlock/testing';
import { newProject, startAirlock, type AirlockUnderTest } from './airlock-stack';

// Issue 11 item 6 end to end: an ACRO results folder (written by ACRO 1.0.2 itself) uploaded file
// by file into one group, since file names hold no slashes (checksums/<file>.txt goes up as
// <file>.txt). disclosure-check reads the group as ACRO's folder: checksums verified, ACRO's
// statuses and exception request carried over, ACRO's own files marked as metadata for checkers.
jest.setTimeout(240_000);

const FOLDER = join(__dirname, '../libs/disclosure/rules/src/testing/fixtures/acro-results');
const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));

let airlock: AirlockUnderTest;
let researcher: AirlockClient;
let checker: AirlockClient;
let project: string;

beforeAll(async () => {
  airlock = await startAirlock(19740);
  researcher = airlock.client.as(await airlock.token('alice', ['researcher']));
  checker = airlock.client.as(await airlock.token('chris', ['output_checker']));
  const admin = airlock.client.as(await airlock.token('root', ['administrator']));
  project = newProject();
  await admin.setUpProject(project, { researchers: ['alice'], checkers: ['chris', 'dana'] });
});

afterAll(async () => {
  await airlock?.stop();
});

async function submittedFolder(change: (files: Map<string, Buffer>) => void = () => undefined): Promise<RequestView> {
  const files = new Map(walk(FOLDER).map((p) => [relative(FOLDER, p).replace(/^checksums\//, ''), readFileSync(p)]));
  change(files);
  const request = await researcher.createRequest(project, 'ACRO outputs');
  await researcher.defineGroup(request.requestId, 'acro', 'Grants by year and type', 'ACRO session; exception requested for R/G');
  for (const [name, bytes] of files) await researcher.upload(request.requestId, name, bytes, { group: 'acro' });
  await researcher.submit(request.requestId);
  return expectEventually(
    async () => {
      const now = await researcher.getRequest(request.requestId);
      if (now.status !== 'awaiting_review') throw new Error(`still ${now.status}`);
      return now;
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  );
}

it("reads a group uploaded file by file as ACRO's folder: checksums verified, ACRO's findings carried, its metadata marked", async () => {
  const request = await submittedFolder();
  const review = await checker.getReview(request.requestId);
  const byName = new Map(review.files.map((f) => [f.name, f]));
  const table = byName.get('output_0_0.csv');
  expect(table?.check?.verdict).toBe('fail');
  expect(table?.check?.findings.map((f) => f.rule)).toContain('threshold');
  // Verified against the checksum beside it: no finding says it is missing or changed.
  const messages = review.files.flatMap((f) => (f.check?.findings ?? []).map((x) => `${f.name}: ${x.message}`));
  expect(messages.filter((m) => /checksum for this file is missing|does not match ACRO's checksum|not in the folder/.test(m))).toEqual([]);
  // ACRO's carried dominance findings on the table of means, which we cannot judge ourselves.
  expect(byName.get('output_1_0.csv')?.check?.findings.map((f) => f.message)).toEqual(
    expect.arrayContaining([expect.stringContaining('ACRO output_1: NKCheck flagged 1 cell')]),
  );
  // ACRO's own files are metadata a checker looks at, never a table judged by count rules.
  for (const name of ['results.json', 'output_0_0.csv.txt', 'config.json']) {
    expect(byName.get(name)?.check?.findings[0]).toMatchObject({ rule: 'file-type', message: expect.stringMatching(/^ACRO/) });
  }
});

it('fails a table changed after ACRO checked it, naming the checksum', async () => {
  const request = await submittedFolder((files) => {
    files.set('output_0_0.csv', Buffer.from((files.get('output_0_0.csv') as Buffer).toString('utf8').replace(/,8$/m, ',18')));
  });
  const review = await checker.getReview(request.requestId);
  const table = review.files.find((f) => f.name === 'output_0_0.csv');
  expect(table?.check?.findings.map((f) => f.message)).toContain(
    "The file does not match ACRO's checksum: it changed after ACRO checked it, so ACRO's results for output_0 do not apply.",
  );
});
