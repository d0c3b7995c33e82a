import { createHash } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ApiError, expectEventually, fetchLink, type AirlockClient, type FileView, type RequestView } from '@airlock/testing';
import { newProject, startAirlock, type AirlockUnderTest } from './airlock-stack';

// The full lifecycle on the real stack, four service processes: returned for changes, revised and
// resubmitted (turn 2), approved by two checkers, released, downloaded, revoked; the release record
// and its Five Safes RO-Crate; a withdrawal by the author before any decision.
jest.setTimeout(240_000);

const ADMISSIONS = 'ward,admissions_2024,admissions_2025\nA,120,134\nB,98,101\nC,57,66\n';
const RISKY = 'ward,y2023,y2024,y2025\nA,40,3,35\nB,45,50,52\nC,38,41,44\n';
const FIXED = 'ward,y2023,y2024,y2025\nA,40,30,35\nB,45,50,52\nC,38,41,44\n';
const PRIVATE_NOTE = 'Checked against the ward register; only the 2024 cell worries me';
const PUBLIC_ASK = 'Please suppress or combine the small 2024 cell for ward A';
const OVERRIDE = 'Ward A was closed in 2024; the cell counts transfers, not patients';
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON documents under test
let airlock: AirlockUnderTest;
let project: string;
let researcher: AirlockClient;
let checkerA: AirlockClient;
let checkerB: AirlockClient;
let admin: AirlockClient;
let auditor: AirlockClient;
const tokens: Record<string, string> = {};

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

async function expectProblem(call: Promise<unknown>, status: number, code: string): Promise<void> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect({ status: (error as ApiError).status, code: (error as ApiError).body.code }).toEqual({ status, code });
}

/** GET a release record as `who`; resolves to the response, its text and its JSON. */
async function releaseRecord(who: string, url: string): Promise<{ response: Response; text: string; json: Json }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${tokens[who]}` } });
  const text = await response.text();
  if (!response.ok) throw new ApiError(response.status, JSON.parse(text));
  return { response, text, json: JSON.parse(text) };
}
const reviewRecord = (who: string, id: string, query = '') => releaseRecord(who, `${airlock.client.urls.egressReview}/reviews/${id}/release-record${query}`);
const authorRecord = (who: string, id: string, query = '') => releaseRecord(who, `${airlock.client.urls.ingress}/requests/${id}/release-record${query}`);

async function storedObject(key: string): Promise<string> {
  const out = await airlock.s3.send(new GetObjectCommand({ Bucket: `${airlock.bucketPrefix}quarantine`, Key: key }));
  return (await out.Body?.transformToString('utf8')) ?? '';
}

const byName = (files: FileView[], name: string) => files.find((f) => f.name === name) as FileView;

beforeAll(async () => {
  airlock = await startAirlock(3200);
  const people: [string, string[]][] = [
    ['rita', ['researcher']],
    ['carl', ['output_checker']],
    ['cora', ['output_checker']],
    ['root', ['administrator']],
    ['audrey', ['auditor']],
  ];
  for (const [userId, roles] of people) tokens[userId] = await airlock.token(userId, roles);
  researcher = airlock.client.as(tokens['rita']);
  checkerA = airlock.client.as(tokens['carl']);
  checkerB = airlock.client.as(tokens['cora']);
  admin = airlock.client.as(tokens['root']);
  auditor = airlock.client.as(tokens['audrey']);
  project = newProject();
  await admin.setUpProject(project, { researchers: ['rita'], checkers: ['carl', 'cora'] });
});

afterAll(async () => {
  await airlock?.stop();
});

describe('a request returned for changes, resubmitted, approved, released, downloaded and revoked', () => {
  let id: string;
  let turn1: RequestView;
  let fixedFile: FileView;

  it('turn 1: checker A approves (overriding the failed rule), checker B asks for changes in public', async () => {
    const created = await researcher.createRequest(project, 'Admissions by ward');
    id = created.requestId;
    await researcher.defineGroup(id, 'outputs', 'Admissions by ward, 2023-2025, from the PAS extract', 'Counts under 10 suppressed');
    await researcher.upload(id, 'admissions.csv', ADMISSIONS);
    await researcher.upload(id, 'by-ward.csv', RISKY);
    await researcher.submit(id);
    turn1 = await untilStatus(researcher, id, ['awaiting_review']);
    const risky = byName(turn1.files, 'by-ward.csv');
    expect(risky.check).toMatchObject({ verdict: 'fail' });
    await researcher.requestException(id, risky.fileId, 'threshold', 'Ward A was closed for most of 2024');

    const admissions = byName(turn1.files, 'admissions.csv');
    await checkerA.vote(id, admissions.fileId, 'approve');
    await checkerA.vote(id, risky.fileId, 'approve', { overrideJustification: OVERRIDE });
    await checkerA.checkerComment(id, PRIVATE_NOTE, 'private', risky.fileId);
    await checkerB.vote(id, admissions.fileId, 'approve');
    const decided = await checkerB.vote(id, risky.fileId, 'request_changes', { comment: PUBLIC_ASK, visibility: 'public' });
    expect(decided.status).toBe('changes_requested');
  });

  it('the researcher sees the public comment, never the private one or who wrote what', async () => {
    const seen = await researcher.getRequest(id);
    expect(seen.status).toBe('changes_requested');
    expect(byName(seen.files, 'by-ward.csv').feedback).toEqual([{ text: PUBLIC_ASK, turn: 1 }]);
    expect(JSON.stringify(seen)).not.toMatch(new RegExp(`${PRIVATE_NOTE}|${OVERRIDE}|carl|cora`));
  });

  it('turn 2: the replaced file is reviewed afresh; the unchanged one keeps its approvals', async () => {
    const risky = byName(turn1.files, 'by-ward.csv');
    await researcher.removeFile(id, risky.fileId);
    const { file } = await researcher.upload(id, 'by-ward.csv', FIXED);
    fixedFile = file;
    const resubmitted = await researcher.submit(id);
    expect(resubmitted.turn).toBe(2);
    const turn2 = await untilStatus(researcher, id, ['awaiting_review']);
    expect(turn2.history).toEqual([expect.objectContaining({ turn: 1, outcome: 'changes_requested' })]);
    const review = await checkerA.getReview(id);
    // Same bytes: both approvals carried. New bytes under the same name: nothing carried.
    expect(byName(review.files, 'admissions.csv')).toMatchObject({ sha256: sha256(ADMISSIONS), approvals: 2 });
    expect(byName(review.files, 'by-ward.csv')).toMatchObject({ fileId: fixedFile.fileId, sha256: sha256(FIXED), approvals: 0, check: { verdict: 'pass' } });
    await expectProblem(checkerA.vote(id, byName(review.files, 'admissions.csv').fileId, 'approve'), 409, 'DUPLICATE_VOTE');

    expect((await checkerB.vote(id, fixedFile.fileId, 'approve')).status).toBe('awaiting_review');
    expect((await checkerA.vote(id, fixedFile.fileId, 'approve')).status).toBe('approved');
  });

  it('is released; a download link gives the identical bytes', async () => {
    const released = await untilStatus(researcher, id, ['released']);
    expect(released.files.every((f) => f.released)).toBe(true);
    const download = await researcher.download(id, fixedFile.fileId);
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(FIXED))).toBe(true);
    expect(download.headers.get('x-content-sha256')).toBe(sha256(FIXED));
  });

  it('has a release record with the hashes, the rules and thresholds, the votes of both turns and the policy', async () => {
    const { json: record, text, response } = await reviewRecord('carl', id);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(record).toMatchObject({
      recordType: 'airlock.release-record',
      recordVersion: '1.0',
      audience: 'tre',
      request: { requestId: id, status: 'released', turns: 2 },
      project: { projectId: project },
      author: { userId: 'rita' },
    });
    expect(record.files.map((f: Json) => [f.name, f.sha256, f.released, f.releasedKey])).toEqual([
      ['admissions.csv', sha256(ADMISSIONS), true, expect.stringMatching(new RegExp(`^requests/${id}/turn-2/.+/admissions\\.csv$`))],
      ['by-ward.csv', sha256(FIXED), true, expect.stringMatching(new RegExp(`^requests/${id}/turn-2/${fixedFile.fileId}/by-ward\\.csv$`))],
    ]);
    expect(record.turns[0].files.find((f: Json) => f.name === 'by-ward.csv')).toMatchObject({
      sha256: sha256(RISKY),
      check: { verdict: 'fail', findings: [expect.objectContaining({ rule: 'threshold' })] },
    });
    expect(record.disclosureControl.rules).toEqual([
      expect.objectContaining({ rulesVersion: expect.stringMatching(/^\d+\.\d+\.\d+$/), policy: expect.objectContaining({ threshold: 10 }) }),
    ]);
    expect(record.approvalPolicy).toEqual({ requiredApprovals: 2, extraApprovalForReview: false, extraApprovalForKinds: [] });
    expect(record.votes.map((v: Json) => [v.turn, v.fileName, v.checker, v.decision, v.carriedFromTurn ?? null]).sort()).toEqual(
      [
        [1, 'admissions.csv', 'carl', 'approve', null],
        [1, 'admissions.csv', 'cora', 'approve', null],
        [1, 'by-ward.csv', 'carl', 'approve', null],
        [1, 'by-ward.csv', 'cora', 'request_changes', null],
        [2, 'admissions.csv', 'carl', 'approve', 1],
        [2, 'admissions.csv', 'cora', 'approve', 1],
        [2, 'by-ward.csv', 'carl', 'approve', null],
        [2, 'by-ward.csv', 'cora', 'approve', null],
      ].sort(),
    );
    expect(record.overrides).toEqual([
      expect.objectContaining({ turn: 1, checker: 'carl', failedRules: ['threshold'], justification: OVERRIDE, sha256: sha256(RISKY) }),
    ]);
    expect(record.exceptions).toEqual([expect.objectContaining({ turn: 1, rule: 'threshold', requestedBy: 'rita' })]);
    expect(record.decisions.map((d: Json) => [d.turn, d.decision, d.by, d.policy.requiredApprovals])).toEqual([
      [1, 'changes_requested', ['cora'], 2],
      [2, 'approved', ['carl', 'cora'], 2],
    ]);
    expect(record.turns[0].comments).toEqual([expect.objectContaining({ author: 'carl', visibility: 'private', text: PRIVATE_NOTE })]);
    expect(record.release).toMatchObject({ turn: 2, approvers: ['carl', 'cora'], releasedAt: expect.any(String) });

    // The TRE's copy is kept inside the TRE (quarantine store), never in the released bucket that
    // leaves it: it holds private comments. The same bytes as served.
    const keys = { record: `records/${id}/release-record.json`, crate: `records/${id}/ro-crate-metadata.json`, acro: `records/${id}/results.json` };
    await expectEventually(
      async () => expect(await airlock.keysIn('quarantine', `records/${id}/`)).toEqual(expect.arrayContaining([keys.record, keys.crate, keys.acro])),
      { timeoutMs: 30_000 },
    );
    expect(await storedObject(keys.record)).toBe(text);
    // Beside it, the released package as ACRO's results.json: the two released files, as checked, at the release.
    const acro = JSON.parse(await storedObject(keys.acro));
    expect(acro.version).toBe('1.0.2');
    expect(Object.keys(acro.results).sort()).toEqual(['admissions.csv', 'by-ward.csv']);
    expect(acro.results['by-ward.csv']).toMatchObject({ status: 'pass', timestamp: record.release.releasedAt, files: [{ name: 'by-ward.csv' }] });
    expect((await airlock.keysIn('released', `requests/${id}/`)).filter((k) => k.endsWith('.json'))).toEqual([]);
  });

  it('exports the record as a Five Safes RO-Crate, and gives the author a copy without private comments or names', async () => {
    const { json: crate, response } = await reviewRecord('root', id, '?format=ro-crate');
    expect(response.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    const graph = new Map<string, Json>(crate['@graph'].map((e: Json) => [e['@id'], e]));
    expect(crate['@context']).toBe('https://w3id.org/ro/crate/1.2/context');
    expect(graph.get('./')).toMatchObject({ conformsTo: { '@id': 'https://w3id.org/5s-crate/0.4' } });
    expect(graph.get(`turn-2/${fixedFile.fileId}/by-ward.csv`)).toMatchObject({ '@type': 'File', sha256: sha256(FIXED), contentSize: String(FIXED.length) });
    const assess = (term: string) =>
      crate['@graph'].filter((e: Json) => e['@type'] === 'AssessAction' && e.additionalType?.['@id'] === `https://w3id.org/shp#${term}`);
    expect(assess('SignOff').map((a: Json) => a.actionStatus)).toEqual(['http://schema.org/FailedActionStatus', 'http://schema.org/CompletedActionStatus']);
    expect(assess('DisclosureCheck')).toHaveLength(4 + 8);
    expect(graph.get('#approval-policy-turn-2/requiredApprovals')).toMatchObject({ '@type': 'PropertyValue', value: 2 });
    expect(graph.get('#person-carl')).toMatchObject({ '@type': 'Person' });

    const mine = await authorRecord('rita', id);
    expect(mine.json).toMatchObject({ audience: 'author', files: [{ sha256: sha256(ADMISSIONS) }, { sha256: sha256(FIXED) }] });
    expect(mine.json.votes).toHaveLength(8);
    expect(mine.text).not.toMatch(new RegExp(`${PRIVATE_NOTE}|${OVERRIDE}|carl|cora`));
    expect(mine.text).toContain(PUBLIC_ASK);
    const myCrate = await authorRecord('rita', id, '?format=ro-crate');
    expect(myCrate.text).not.toMatch(/carl|cora/);

    await expectProblem(reviewRecord('rita', id), 403, 'ROLE_REQUIRED');
    await expectProblem(authorRecord('carl', id), 403, 'NOT_AUTHOR');
    await expectProblem(reviewRecord('carl', id, '?format=xml'), 400, 'INVALID_QUERY');
  });

  it('revoked by an administrator: the old link and a new link get 410, the objects are gone, the audit trail has it', async () => {
    const oldLink = await researcher.downloadLink(id, fixedFile.fileId);
    expect(await admin.admin('POST', `/requests/${id}/revoke`, { reason: 'Disclosive in combination with an earlier release' })).toMatchObject({
      status: 'revoked',
    });
    await expectProblem(fetchLink(oldLink.url), 410, 'RELEASE_REVOKED');
    await expectProblem(researcher.downloadLink(id, fixedFile.fileId), 410, 'RELEASE_REVOKED');

    const released = await expectEventually(
      async () => {
        const keys = await airlock.keysIn('released', `requests/${id}/`);
        expect(keys.filter((k) => k.startsWith(`requests/${id}/turn-`))).toEqual([]);
        return keys;
      },
      { timeoutMs: 30_000 },
    );
    // Nothing of the request stays in the released bucket; its record stays inside the TRE.
    expect(released).toEqual([]);
    const record = await expectEventually(
      async () => {
        const { json } = await reviewRecord('root', id);
        expect(json.revocation?.withdrawn).toHaveLength(2);
        return json;
      },
      { timeoutMs: 30_000 },
    );
    expect(record).toMatchObject({
      request: { status: 'revoked' },
      revocation: { revokedBy: 'root', reason: 'Disclosive in combination with an earlier release' },
    });
    await expectEventually(async () => expect(JSON.parse(await storedObject(`records/${id}/release-record.json`)).revocation.withdrawn).toHaveLength(2), {
      timeoutMs: 30_000,
    });

    const types = await expectEventually(
      async () => {
        const { items } = await auditor.auditRecords({ subject: id });
        const t = items.map((i) => i.envelope.type);
        expect(t.filter((x) => x === 'airlock.request.released-file-withdrawn.v1')).toHaveLength(2);
        return t;
      },
      { timeoutMs: 30_000 },
    );
    expect(types).toContain('airlock.request.revoked.v1');
    expect(types.indexOf('airlock.request.revoked.v1')).toBeGreaterThan(types.indexOf('airlock.request.released.v1'));
    expect(await auditor.verifyAudit()).toMatchObject({ valid: true });
  });
});

describe('withdrawal by the author before a decision', () => {
  it('stops the review; nobody can vote or release it afterwards', async () => {
    const created = await researcher.createRequest(project, 'Withdrawn before decision');
    const id = created.requestId;
    await researcher.defineGroup(id, 'outputs', 'Admissions by ward', 'Counts under 10 suppressed');
    await researcher.upload(id, 'admissions.csv', ADMISSIONS);
    await researcher.submit(id);
    const review = await untilStatus(researcher, id, ['awaiting_review']);
    const fileId = review.files[0].fileId;
    await checkerA.vote(id, fileId, 'approve');
    await expectProblem(checkerA.withdraw(id), 403, 'NOT_AUTHOR');
    const withdrawn = await researcher.withdraw(id);
    expect(withdrawn).toMatchObject({ status: 'withdrawn' });
    expect(withdrawn.actions).not.toContain('withdraw');
    await expectProblem(checkerB.vote(id, fileId, 'approve'), 409, 'WRONG_STATE');
    await expectProblem(researcher.withdraw(id), 409, 'WRONG_STATE');
    await expectProblem(reviewRecord('carl', id), 409, 'WRONG_STATE');
    await expectProblem(admin.admin('POST', `/requests/${id}/revoke`, { reason: 'too late' }), 409, 'WRONG_STATE');
    const types = await expectEventually(
      async () => {
        const { items } = await auditor.auditRecords({ subject: id });
        const t = items.map((i) => i.envelope.type);
        expect(t).toContain('airlock.request.withdrawn.v1');
        return t;
      },
      { timeoutMs: 30_000 },
    );
    expect(types).not.toContain('airlock.request.approved.v1');
    expect(await airlock.keysIn('released', `requests/${id}/`)).toEqual([]);
  });
});
