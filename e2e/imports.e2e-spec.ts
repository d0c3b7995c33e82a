import { ApiError, expectEventually, type AirlockClient, type FileView, type RequestView } from '@airlock/testing';
import { newProject, startAirlock, type AirlockUnderTest } from './airlock-stack';
import { EICAR } from './hostile-files.fixtures';

// Imports (docs/adr/0012-imports.md) on the real stack, four service processes, real clamd: files
// coming INTO the TRE go through the same lifecycle under the project's import policy (here the
// defaults: code, data and documents; no disclosure checks; one checker), and land in the
// `imported` bucket, never in `released`. A kind the project does not allow is refused at upload,
// before any checker sees it; EICAR is blocked by the scan.
jest.setTimeout(420_000);

const LOOKUP = 'code,label\n1,Admitted\n2,Discharged\n3,Transferred\n';
const SCRIPT = 'import pandas as pd\n\nlookup = pd.read_csv("lookup.csv")\n';
// The first bytes of a 64-bit ELF executable: a program whatever its name says.
const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(120, 0)]);

let airlock: AirlockUnderTest;
let project: string;
let researcher: AirlockClient;
let checker: AirlockClient;

async function untilStatus(client: AirlockClient, id: string, statuses: string[]): Promise<RequestView> {
  return expectEventually(
    async () => {
      const request = await client.getRequest(id);
      if (!statuses.includes(request.status)) throw new Error(`request ${id} is ${request.status}, waiting for ${statuses.join('|')}`);
      return request;
    },
    { timeoutMs: 90_000, intervalMs: 150 },
  );
}

async function refusal(call: Promise<unknown>): Promise<{ status: number; code?: string; detail?: string }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  const { status, body } = error as ApiError;
  return { status, code: body.code, detail: body.detail };
}

const byName = (files: FileView[], name: string) => files.find((f) => f.name === name) as FileView;

beforeAll(async () => {
  // A shared machine can take a while to start four services.
  airlock = await startAirlock(4400, { readyWithinMs: 180_000 });
  const tokens = {
    rita: await airlock.token('rita', ['researcher']),
    carl: await airlock.token('carl', ['output_checker']),
    root: await airlock.token('root', ['administrator']),
  };
  researcher = airlock.client.as(tokens.rita);
  checker = airlock.client.as(tokens.carl);
  project = newProject();
  // No import policy given: the project takes the defaults.
  await airlock.client.as(tokens.root).setUpProject(project, { researchers: ['rita'], checkers: ['carl'] });
});

afterAll(async () => {
  await airlock?.stop();
});

describe('an import request', () => {
  let id: string;

  it('refuses a kind the project does not allow, and an executable under any name, before review', async () => {
    const created = await researcher.createRequest(project, 'Lookup tables and code for the cohort', 'import');
    id = created.requestId;
    expect(created).toMatchObject({ direction: 'import', destination: 'imported', status: 'draft' });
    await researcher.defineGroup(id, 'outputs', 'Reference lookups from the ONS', 'Public data, no disclosure risk');

    // By name, before a byte is read: packages are opt-in and none was allowed.
    const wheel = await refusal(researcher.upload(id, 'numpy-2.0.0-py3-none-any.whl', Buffer.from('PK\u0003\u0004')));
    expect(wheel).toMatchObject({ status: 415, code: 'FILE_KIND_NOT_ALLOWED' });
    expect(wheel.detail).toBe('this project does not allow packages to be imported (allowed: code, data, documents)');
    // By its bytes, after they are stored: an ELF program named like a script.
    const disguised = await refusal(researcher.upload(id, 'model.py', ELF));
    expect(disguised).toMatchObject({ status: 415, code: 'FILE_KIND_NOT_ALLOWED' });
    expect(disguised.detail).toMatch(/executable programs cannot be imported/);
    // Nothing of the refused files was kept in the draft bucket.
    expect(await airlock.keysIn('draft', `requests/${id}/`)).toEqual([]);
    expect((await researcher.getRequest(id)).files).toEqual([]);
  });

  it('goes from upload to scan to one checker approval to the imported bucket, not released', async () => {
    const { file: lookup } = await researcher.upload(id, 'lookup.csv', LOOKUP);
    expect(lookup.content).toMatchObject({ kind: 'data' });
    const { file: script } = await researcher.upload(id, 'prepare.py', SCRIPT, { kind: 'code' });
    expect(script.content).toMatchObject({ kind: 'code' });

    const submitted = await researcher.submit(id);
    expect(submitted.policy).toMatchObject({ requiredApprovals: 1 });
    expect(submitted.imports).toEqual({ allowedKinds: ['code', 'data', 'documents'], disclosureChecks: false, requiredApprovals: 1 });
    const review = await untilStatus(researcher, id, ['awaiting_review']);
    for (const f of review.files) {
      expect(f.scan).toMatchObject({ status: 'clean' });
      // Disclosure checks are off for imports by default, and the record says so.
      expect(f.check).toMatchObject({ verdict: 'pass', findings: [], rulesVersion: 'not-run', policy: { disclosureChecks: false } });
    }

    const queue = await expectEventually(
      async () => {
        const { items } = await checker.listReviews('awaiting_review');
        const mine = items.find((i) => i.requestId === id);
        if (!mine) throw new Error('not in the queue yet');
        return mine;
      },
      { timeoutMs: 30_000, intervalMs: 150 },
    );
    expect(queue.direction).toBe('import');
    expect(await checker.getReview(id)).toMatchObject({ direction: 'import', destination: 'imported' });

    await checker.vote(id, byName(review.files, 'lookup.csv').fileId, 'approve');
    const decided = await checker.vote(id, byName(review.files, 'prepare.py').fileId, 'approve');
    expect(decided.status).toBe('approved');
    const released = await untilStatus(researcher, id, ['released']);
    expect(released.files.every((f) => f.released)).toBe(true);

    const imported = await airlock.keysIn('imported', `requests/${id}/`);
    expect(imported.map((k) => k.split('/').pop()).sort()).toEqual(['lookup.csv', 'prepare.py']);
    expect(await airlock.keysIn('released', `requests/${id}/`)).toEqual([]);

    // The researcher's workspace takes the files from there: byte-identical.
    const download = await researcher.download(id, byName(released.files, 'lookup.csv').fileId);
    expect(await download.text()).toBe(LOOKUP);
  });

  it('keeps the same audit trail and release record, with the direction on them', async () => {
    const auditor = airlock.client.as(await airlock.token('audrey', ['auditor']));
    const records = await expectEventually(
      async () => {
        const { items } = await auditor.auditRecords({ subject: id });
        if (!items.some((r) => r.envelope.type === 'airlock.request.released.v1')) throw new Error('release not audited yet');
        return items;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const created = records.find((r) => r.envelope.type === 'airlock.request.created.v1');
    expect(created?.envelope).toMatchObject({ data: { direction: 'import' } });
    const fileReleased = records.filter((r) => r.envelope.type === 'airlock.request.file-released.v1');
    expect(fileReleased).toHaveLength(2);
    for (const r of fileReleased) expect(r.envelope).toMatchObject({ data: { destination: 'imported' } });
    expect(await auditor.verifyAudit()).toMatchObject({ valid: true });

    const response = await fetch(`${airlock.client.urls.ingress}/requests/${id}/release-record`, {
      headers: { authorization: `Bearer ${await airlock.token('rita', ['researcher'])}` },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { request: unknown }).request).toMatchObject({ direction: 'import', destination: 'imported', status: 'released' });
  });

  it('is blocked when a file carries malware (EICAR)', async () => {
    const { requestId } = await researcher.createRequest(project, 'Notes for the analysis', 'import');
    await researcher.defineGroup(requestId, 'outputs', 'Analysis notes', 'None needed');
    await researcher.upload(requestId, 'notes.txt', EICAR);
    await researcher.submit(requestId);
    const blocked = await untilStatus(researcher, requestId, ['blocked']);
    expect(blocked.reason).toMatch(/^malware found: .*Eicar/i);
    expect(await airlock.keysIn('blocked', `requests/${requestId}/`)).toHaveLength(1);
    expect(await airlock.keysIn('imported', `requests/${requestId}/`)).toEqual([]);
  });
});
