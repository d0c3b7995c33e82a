import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createDb, type Db } from '@airlock/database';
import { ApiError, expectEventually, realStack, type AirlockClient, type RequestView } from '@airlock/testing';
import { newProject, startAirlock, type AirlockUnderTest } from './airlock-stack';

// Issue 11 end to end, four service processes on real PostgreSQL, Kafka, S3 and clamd: request 1
// releases a table by age 0-17 / 18-64 / 65+; request 2 submits the same population by 0-15 /
// 16-64 / 65+. Each passes on its own; together they give the 16-17 band, 3 people. Request 2
// fails `differencing`, naming request 1's file and the band; a checker sees it in the review API
// and may approve it only with a justification. A workbook submitted later is compared sheet by sheet.
jest.setTimeout(240_000);

const MARCH = 'age,patients\n0-17,120\n18-64,830\n65+,250\n';
const APRIL = 'age,patients\n0-15,117\n16-64,833\n65+,250\n';

let airlock: AirlockUnderTest;
let db: Db;
let project: string;
let researcher: AirlockClient;
let checker1: AirlockClient;
let checker2: AirlockClient;

async function untilStatus(client: AirlockClient, id: string, statuses: string[]): Promise<RequestView> {
  return expectEventually(
    async () => {
      const request = await client.getRequest(id);
      if (!statuses.includes(request.status)) throw new Error(`request ${id} is ${request.status}, waiting for ${statuses.join('|')}`);
      return request;
    },
    { timeoutMs: 90_000, intervalMs: 200 },
  );
}

async function submitted(name: string, body: string | Uint8Array): Promise<RequestView> {
  const request = await researcher.createRequest(project, `ages (${name})`);
  await researcher.defineGroup(request.requestId, 'outputs', 'Patients by age band', 'None');
  await researcher.upload(request.requestId, name, body);
  return researcher.submit(request.requestId);
}

beforeAll(async () => {
  airlock = await startAirlock(19710);
  db = createDb({ url: realStack().databaseUrl, max: 1 });
  researcher = airlock.client.as(await airlock.token('alice', ['researcher']));
  checker1 = airlock.client.as(await airlock.token('chris', ['output_checker']));
  checker2 = airlock.client.as(await airlock.token('dana', ['output_checker']));
  const admin = airlock.client.as(await airlock.token('root', ['administrator']));
  project = newProject();
  await admin.setUpProject(project, { researchers: ['alice'], checkers: ['chris', 'dana'] });
});

afterAll(async () => {
  await db?.close();
  await airlock?.stop();
});

it('fails a table that differs from a released one by a band under the threshold, and needs a justification to approve', async () => {
  // Request 1: passes on its own and is released.
  const first = await submitted('ages-march.csv', MARCH);
  const checked = await untilStatus(researcher, first.requestId, ['awaiting_review']);
  expect(checked.files[0].check).toMatchObject({ verdict: 'pass', findings: [] });
  const fileId = checked.files[0].fileId;
  await checker1.vote(first.requestId, fileId, 'approve');
  await checker2.vote(first.requestId, fileId, 'approve');
  await untilStatus(researcher, first.requestId, ['released']);
  // The ledger consumer adds the released table (its own consumer group).
  await expectEventually(
    async () => {
      const { rowCount } = await db.query('SELECT 1 FROM released_tables WHERE request_id = $1', [first.requestId]);
      expect(rowCount).toBe(1);
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );

  // Request 2: the same population in other bands.
  const second = await submitted('ages-april.csv', APRIL);
  await untilStatus(researcher, second.requestId, ['awaiting_review']);
  const review = await checker1.getReview(second.requestId);
  const file = review.files[0];
  expect(file.check?.verdict).toBe('fail');
  const differencing = file.check?.findings.filter((f) => f.rule === 'differencing') ?? [];
  expect(differencing).toHaveLength(1);
  expect(differencing[0]).toMatchObject({
    verdict: 'fail',
    cells: [
      { row: 0, column: 0, rowLabel: '0-15', columnLabel: 'patients' },
      { row: 1, column: 0, rowLabel: '16-64', columnLabel: 'patients' },
    ],
  });
  expect(differencing[0].message).toContain(`"ages-march.csv" of request ${first.requestId}`);
  expect(differencing[0].message).toContain('16-17 (patients)');
  // Never the hidden count (3) in what the checker sees.
  expect(JSON.stringify(file.check?.findings)).not.toMatch(/\b3\b/);

  const refused = await checker1.vote(second.requestId, file.fileId, 'approve').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(refused).toBeInstanceOf(ApiError);
  expect({ status: (refused as ApiError).status, code: (refused as ApiError).body.code }).toEqual({ status: 422, code: 'OVERRIDE_REQUIRED' });
  const overridden = await checker1.vote(second.requestId, file.fileId, 'approve', {
    overrideJustification: 'The 16-17 band is published by the ONS mid-year estimates for this area',
  });
  expect(overridden.status).toBe('awaiting_review');
});

it('differences each sheet of a submitted workbook against the ledger, naming the sheet', async () => {
  // Request 1's March table is in the ledger (the test above). The workbook's sheet "Ages" holds
  // April's bands, its sheet "Deaths" another measure: only "Ages" is named.
  const book = readFileSync(resolve(__dirname, '../libs/disclosure/rules/src/testing/fixtures/ages-april.xlsx'));
  const third = await submitted('ages-april.xlsx', book);
  await untilStatus(researcher, third.requestId, ['awaiting_review']);
  const review = await checker1.getReview(third.requestId);
  const file = review.files[0];
  expect(file.check?.verdict).toBe('fail');
  const differencing = file.check?.findings.filter((f) => f.rule === 'differencing') ?? [];
  const fromMarch = differencing.filter((f) => String(f.message).includes('"ages-march.csv" of request'));
  expect(fromMarch).toHaveLength(1);
  expect(fromMarch[0]).toMatchObject({
    verdict: 'fail',
    cells: [
      { row: 0, column: 0, rowLabel: '0-15', columnLabel: 'patients' },
      { row: 1, column: 0, rowLabel: '16-64', columnLabel: 'patients' },
    ],
  });
  expect(fromMarch[0].message).toMatch(/^sheet "Ages": Overlapping bands: /);
  expect(differencing.every((f) => String(f.message).startsWith('sheet "Ages": '))).toBe(true);
  expect(JSON.stringify(file.check?.findings)).not.toMatch(/\b3\b/);
});
