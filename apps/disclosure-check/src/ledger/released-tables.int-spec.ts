import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runMigrations } from '@airlock/database';
import { DEFAULT_POLICY } from '@airlock/disclosure-rules';
import type { RequestEvent } from '@airlock/domain';
import { ClamdScanner } from '@airlock/scanning';
import { realStack } from '@airlock/testing';
import { appendRequestEvents, messageOf, movesHarness, putText, submittedRequestEvents, type MovesHarness } from '@airlock/testing-moves';
import pino from 'pino';
import { DisclosureCheckWorker } from '../disclosure-check.worker';
import { releasedTablesMigrations } from './released-tables.migrations';
import { ReleasedTablesProjector } from './released-tables.projector';
import { ReleasedTables } from './released-tables.repository';
import { TurnDifferencing } from './turn-differencing';

// The ledger of released tables and the differencing checks on the real PostgreSQL, S3 server and
// clamd (issue 11): request 1 releases an age table, request 2 submits the same population in
// other bands and fails `differencing`, naming request 1's file and the 16-17 band.
jest.setTimeout(120_000);

const MARCH = 'age,patients\n0-17,120\n18-64,830\n65+,250\n';
const APRIL = 'age,patients\n0-15,117\n16-64,833\n65+,250\n';
const FIXTURES = resolve(__dirname, '../../../../libs/disclosure/rules/src/testing/fixtures');
const logger = pino({ level: 'silent' });
const scanner = new ClamdScanner({ ...realStack().clamd, timeoutMs: 60_000 });
let h: MovesHarness;
let ledger: ReleasedTables;

beforeAll(async () => {
  h = await movesHarness('dc_ledger');
  await runMigrations(h.db, releasedTablesMigrations);
  ledger = new ReleasedTables(h.db);
});
afterAll(() => h?.dispose());

const projector = () => new ReleasedTablesProjector(ledger, h.requests(), h.store, DEFAULT_POLICY, logger);
const worker = () =>
  new DisclosureCheckWorker(
    h.requests(),
    h.store,
    scanner,
    DEFAULT_POLICY,
    h.consumer(`dc-${randomUUID()}`),
    logger,
    new TurnDifferencing(ledger, h.store, logger),
  );

/** Request 1, approved and released: its table in the released bucket, its FileReleased event stored. */
async function releasedRequest(content: string | Buffer, name = 'ages-march.csv') {
  const requestId = randomUUID();
  const { events, keys } = submittedRequestEvents(requestId, [{ fileId: 'f1', name, content }], 'approved');
  const submitted = events.find((e) => e.type === 'RequestSubmitted') as Extract<RequestEvent, { type: 'RequestSubmitted' }>;
  const releasedKey = `released/${requestId}/f1/${name}`;
  await putText(h.store, 'released', releasedKey, content);
  const releasedAt = '2026-03-02T10:00:00.000Z';
  const stored = await appendRequestEvents(h.events, requestId, [
    ...events,
    { type: 'FileReleased', data: { requestId, turn: 1, fileId: 'f1', sha256: submitted.data.files[0].sha256, releasedKey, releasedAt } },
    { type: 'RequestReleased', data: { requestId, turn: 1, releasedAt } },
  ]);
  return { requestId, keys, fileReleased: stored[stored.length - 2] };
}

async function submitted(files: { fileId: string; name: string; content: string | Buffer }[]) {
  const requestId = randomUUID();
  const { events, keys } = submittedRequestEvents(requestId, files);
  for (const f of files) await putText(h.store, 'quarantine', keys[f.fileId], f.content);
  const stored = await appendRequestEvents(h.events, requestId, events);
  return { requestId, message: messageOf(stored[stored.length - 1]) };
}

const differencingOf = async (requestId: string) => {
  const { state } = await h.requests().load(requestId);
  if (state.status === 'none') throw new Error('no request');
  return state.files.map((f) => ({ name: f.name, verdict: f.check?.verdict, findings: f.check?.findings.filter((x) => x.rule === 'differencing') ?? [] }));
};

it('adds a released table to the ledger once, and a later request of other bands fails differencing naming it', async () => {
  const march = await releasedRequest(MARCH);
  await projector().project(march.fileReleased);
  await projector().project(march.fileReleased); // redelivered
  const { rows } = await h.db.query<{ n: string }>('SELECT count(*) AS n FROM released_tables WHERE request_id = $1', [march.requestId]);
  expect(Number(rows[0].n)).toBe(1);

  const april = await submitted([{ fileId: 'f1', name: 'ages-april.csv', content: APRIL }]);
  await worker().onMessage(april.message);
  const [file] = await differencingOf(april.requestId);
  expect(file.verdict).toBe('fail');
  expect(file.findings).toEqual([
    expect.objectContaining({
      rule: 'differencing',
      verdict: 'fail',
      cells: [
        { row: 0, column: 0, rowLabel: '0-15', columnLabel: 'patients' },
        { row: 1, column: 0, rowLabel: '16-64', columnLabel: 'patients' },
      ],
    }),
  ]);
  expect(file.findings[0].message).toContain(`"ages-march.csv" of request ${march.requestId}, released 2026-03-02`);
  expect(file.findings[0].message).toContain('16-17 (patients)');
  expect(JSON.stringify(file.findings)).not.toMatch(/\b3\b/);
});

it('compares the tables of one request with each other, and passes tables that reveal nothing', async () => {
  const both = await submitted([
    { fileId: 'f1', name: 'all.csv', content: 'region,patients\nNorth,100\nSouth,220\n' },
    { fileId: 'f2', name: 'all-but-one-hospital.csv', content: 'region,patients\nNorth,96\nSouth,220\n' },
    { fileId: 'f3', name: 'deaths.csv', content: 'region,deaths\nNorth,40\nSouth,60\n' },
  ]);
  await worker().onMessage(both.message);
  const files = await differencingOf(both.requestId);
  expect(files.map((f) => [f.name, f.verdict, f.findings.map((x) => x.verdict)])).toEqual([
    ['all.csv', 'review', ['review']],
    ['all-but-one-hospital.csv', 'review', ['review']],
    ['deaths.csv', 'pass', []],
  ]);
  expect(files[0].findings[0].message).toContain('"all-but-one-hospital.csv" of this request');
});

it('rebuilds the ledger from the FileReleased events, reading the released bucket when no snapshot was kept', async () => {
  const other = await releasedRequest('age,n\n0-4,31\n5-9,40\n', 'young.csv');
  await h.db.query('DELETE FROM disclosure_table_snapshots');
  const replayed = await projector().rebuild(h.db);
  expect(replayed).toBeGreaterThanOrEqual(2);
  const { rows } = await h.db.query<{ request_id: string; file_name: string; domain: string }>(
    'SELECT request_id, file_name, domain FROM released_tables ORDER BY id',
  );
  expect(rows.map((r) => r.file_name).sort()).toEqual(['ages-march.csv', 'young.csv']);
  expect(rows.find((r) => r.request_id === other.requestId)?.domain).toBe('project:proj-moves');
  // A second rebuild gives the same ledger.
  await projector().rebuild(h.db);
  expect((await h.db.query('SELECT 1 FROM released_tables')).rowCount).toBe(2);
});

it('keeps each table of a released archive in the ledger, and differences each sheet of a workbook against them', async () => {
  // March's ages inside a zip (tables/ages.csv); April's in the sheet "Ages" of a workbook, deaths in "Deaths".
  const zip = readFileSync(resolve(FIXTURES, 'ages-march.zip'));
  const march = await releasedRequest(zip, 'ages-march.zip');
  await projector().project(march.fileReleased);
  await projector().project(march.fileReleased); // redelivered
  const parts = async () =>
    (await h.db.query<{ part: string }>('SELECT part FROM released_tables WHERE request_id = $1', [march.requestId])).rows.map((r) => r.part);
  expect(await parts()).toEqual(['member:tables/ages.csv']);

  const april = await submitted([{ fileId: 'f1', name: 'ages-april.xlsx', content: readFileSync(resolve(FIXTURES, 'ages-april.xlsx')) }]);
  await worker().onMessage(april.message);
  const [book] = await differencingOf(april.requestId);
  expect(book.verdict).toBe('fail');
  // Against the zip's member (and ages-march.csv, released in the same project by the first test);
  // only the sheet "Ages" is named, "Deaths" reveals nothing.
  const fromZip = book.findings.find((f) => f.message.includes('"ages-march.zip"'));
  expect(fromZip).toMatchObject({
    rule: 'differencing',
    verdict: 'fail',
    cells: [
      { row: 0, column: 0, rowLabel: '0-15', columnLabel: 'patients' },
      { row: 1, column: 0, rowLabel: '16-64', columnLabel: 'patients' },
    ],
  });
  expect(fromZip?.message).toMatch(/^sheet "Ages": Overlapping bands: /);
  expect(fromZip?.message).toContain(`"ages-march.zip" (member "tables/ages.csv") of request ${march.requestId}, released 2026-03-02`);
  expect(book.findings.every((f) => f.message.startsWith('sheet "Ages": '))).toBe(true);
  expect(JSON.stringify(book.findings)).not.toMatch(/\b3\b/);

  // Rebuilt without the snapshots: the archive is read again from the released bucket, its hash verified.
  await h.db.query('DELETE FROM disclosure_table_snapshots');
  await projector().rebuild(h.db);
  expect(await parts()).toEqual(['member:tables/ages.csv']);
});
