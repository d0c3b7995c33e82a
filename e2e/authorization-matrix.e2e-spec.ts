import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expectEventually, uniqueId, type AirlockClient, type RequestView } from '@airlock/testing';
import { startAirlock, type AirlockUnderTest } from './airlock-stack';

// The authorization matrix (issue 3): every endpoint of the four services, called as every role and
// every kind of caller, each on a request in the state the endpoint acts on; the exact status and
// code of each call is asserted. A 2xx where a refusal is expected fails, and so does any 500, and
// so does a row whose route the service does not serve (issue 9, finding 12: such a row used to
// pass without a call). Four service processes on the real stack with a local OIDC issuer.
jest.setTimeout(600_000);

const SAFE_TABLE = 'ward,admissions_2024,admissions_2025\nA,120,134\nB,98,101\nC,57,66\n';
const RISKY_TABLE = 'ward,y2023,y2024,y2025\nA,40,3,35\nB,45,50,52\nC,38,41,44\n';

const CALLERS = [
  'no token',
  'expired token',
  'other issuer',
  'forged signature',
  'researcher',
  'output_checker',
  'administrator',
  'auditor',
  'author',
  'project member',
  'other project checker',
  'lapsed author',
  'lapsed checker',
] as const;
type Caller = (typeof CALLERS)[number];
type Identity = Exclude<Caller, 'no token' | 'expired token' | 'other issuer' | 'forged signature'>;

/**
 * Who they are. The author and the project member also hold the checker role, so that the rules
 * against reviewing one's own request or one's own project's are what refuses them, not the role.
 * The lapsed author's accreditation is revoked after their requests are made; the lapsed checker's
 * is granted for a few seconds only and has expired before the first call.
 */
const SUFFIX = uniqueId('m').slice(2);
const PEOPLE: Record<Identity | 'second checker', { userId: string; roles: string[] }> = {
  researcher: { userId: `rita-${SUFFIX}`, roles: ['researcher'] }, // a researcher of another project
  output_checker: { userId: `chris-${SUFFIX}`, roles: ['output_checker'] }, // assigned to the project
  administrator: { userId: `ada-${SUFFIX}`, roles: ['administrator'] },
  auditor: { userId: `aud-${SUFFIX}`, roles: ['auditor'] },
  author: { userId: `alice-${SUFFIX}`, roles: ['researcher', 'output_checker'] },
  'project member': { userId: `mo-${SUFFIX}`, roles: ['researcher', 'output_checker'] },
  'other project checker': { userId: `oscar-${SUFFIX}`, roles: ['output_checker'] },
  'lapsed author': { userId: `lena-${SUFFIX}`, roles: ['researcher'] },
  'lapsed checker': { userId: `luke-${SUFFIX}`, roles: ['output_checker'] },
  'second checker': { userId: `carl-${SUFFIX}`, roles: ['output_checker'] }, // only to reach approval
};
const PROJECT = `p-${SUFFIX}`;
const OTHER_PROJECT = `q-${SUFFIX}`;
const SCRATCH_PROJECT = `s-${SUFFIX}`; // what the administrators' endpoints act on

// ---- expected outcomes -------------------------------------------------------------------------
type Outcome = { status: number; code?: string };
type Expectations = Record<Caller, Outcome>;
const ok = (status = 200): Outcome => ({ status });
const no = (status: number, code: string): Outcome => ({ status, code });
const ROLE_REQUIRED = no(403, 'ROLE_REQUIRED');
const NOT_AUTHOR = no(403, 'NOT_AUTHOR');
const NOT_ACCREDITED = no(403, 'NOT_ACCREDITED');
const NOT_ASSIGNED = no(403, 'NOT_ASSIGNED_CHECKER');

const everyone = (outcome: Outcome): Expectations => Object.fromEntries(CALLERS.map((c) => [c, outcome])) as Expectations;
/** Behind AuthGuard: the token is refused before anything else is looked at. */
const guarded = (identities: Record<Identity, Outcome>): Expectations => ({
  'no token': no(401, 'TOKEN_MISSING'),
  'expired token': no(401, 'TOKEN_EXPIRED'),
  'other issuer': no(401, 'TOKEN_INVALID'),
  'forged signature': no(401, 'TOKEN_INVALID'),
  ...identities,
});
const identities = (otherwise: Outcome, exceptions: Partial<Record<Identity, Outcome>>): Record<Identity, Outcome> => ({
  researcher: otherwise,
  output_checker: otherwise,
  administrator: otherwise,
  auditor: otherwise,
  author: otherwise,
  'project member': otherwise,
  'other project checker': otherwise,
  'lapsed author': otherwise,
  'lapsed checker': otherwise,
  ...exceptions,
});
/** The author's own request: only they may, and only while accredited. */
const authorOnly = (success: number) => guarded(identities(NOT_AUTHOR, { author: ok(success), 'lapsed author': NOT_ACCREDITED }));
/** An independent checker of the project: the role, not the author, accredited, not a member, assigned. */
const checkerOnly = (success: number, author: Outcome) =>
  guarded(
    identities(ROLE_REQUIRED, {
      output_checker: ok(success),
      author,
      'project member': no(403, 'PROJECT_MEMBER_REVIEW'),
      'other project checker': NOT_ASSIGNED,
      'lapsed checker': NOT_ACCREDITED,
    }),
  );
const administratorOnly = (success: number) => guarded(identities(ROLE_REQUIRED, { administrator: ok(success) }));
const auditorOnly = (success: number) => guarded(identities(ROLE_REQUIRED, { auditor: ok(success) }));

// ---- the requests each endpoint acts on ------------------------------------------------------------
type Stage = 'draft' | 'draft with a file' | 'awaiting review' | 'awaiting review with findings' | 'released';
type Target = { requestId: string; fileId: string };
type Owner = 'author' | 'lapsed author';

type Service = 'ingress' | 'egress-review' | 'audit' | 'disclosure-check';
const SERVICES: readonly Service[] = ['ingress', 'egress-review', 'audit', 'disclosure-check'];
type Call = { token: string | undefined; caller: Caller; target: Target; owner: Owner };
type Sent = { method: string; path: string; json?: unknown; raw?: string; headers?: Record<string, string> };
type Row = {
  service: Service;
  route: `${'GET' | 'POST' | 'PUT' | 'DELETE'} /${string}`;
  stage?: Stage;
  /** A success that leaves the request as it was (so it may share its request with the refusals). */
  keepsState?: true;
  expect: Expectations;
  /** The concrete call; may first prepare what it needs as the administrator or the author. */
  send(call: Call): Promise<Sent> | Sent;
  /** More than the status, for some successes (who sees what). */
  check?(call: Call, body: unknown): void;
};

let airlock: AirlockUnderTest;
const tokens = {} as Record<Caller, string | undefined>;
let client: Record<Identity | 'second checker', AirlockClient>;

const pathOf = (route: string) => route.slice(route.indexOf(' ') + 1);
const fill = (route: string, values: Record<string, string>) =>
  pathOf(route).replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? `{${name}}`));
const at = (route: Row['route'], values: Record<string, string> = {}, extra: Partial<Sent> = {}): Sent => ({
  method: route.split(' ')[0],
  path: fill(route, values),
  ...extra,
});
const ids = (t: Target) => ({ requestId: t.requestId, fileId: t.fileId });
const adminDo = (method: 'PUT' | 'POST' | 'DELETE', p: string, payload?: unknown) => client.administrator.admin(method, p, payload);
const inAYear = () => new Date(Date.now() + 365 * 24 * 3600 * 1000).toISOString();
const OPEN = everyone(ok(200));

/**
 * A resumable upload of SAFE_TABLE (one part) on the target, started by its author (and its part
 * sent, for `withPart`); the lapsed author can start none, so their calls name an upload that does
 * not exist (they are refused for their accreditation before it is looked up).
 */
async function openUpload({ target, owner }: Call, withPart = false): Promise<string> {
  if (owner === 'lapsed author') return randomUUID();
  const response = await fetch(`${client.author.urls.ingress}/requests/${target.requestId}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.author}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `parts-${randomUUID()}.csv`, size: Buffer.byteLength(SAFE_TABLE), sha256: sha256Hex(SAFE_TABLE) }),
  });
  const { uploadId } = (await response.json()) as { uploadId: string };
  if (withPart) {
    await fetch(`${client.author.urls.ingress}/requests/${target.requestId}/uploads/${uploadId}/parts/1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens.author}`, 'content-type': 'application/octet-stream', 'content-digest': PART_DIGEST },
      body: SAFE_TABLE,
    });
  }
  return uploadId;
}
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
const PART_DIGEST = `sha-256=:${createHash('sha256').update(SAFE_TABLE).digest('base64')}:`;

const ROWS: Row[] = [
  // ingress: the researcher's API
  {
    service: 'ingress',
    route: 'POST /requests',
    expect: guarded(
      identities(ROLE_REQUIRED, {
        author: ok(201),
        'project member': ok(201),
        researcher: no(403, 'NOT_PROJECT_MEMBER'),
        'lapsed author': NOT_ACCREDITED,
      }),
    ),
    send: () => at('POST /requests', {}, { json: { projectId: PROJECT, title: 'matrix' } }),
  },
  {
    service: 'ingress',
    route: 'GET /requests/{requestId}',
    stage: 'draft',
    expect: authorOnly(200),
    send: ({ target }) => at('GET /requests/{requestId}', ids(target)),
    check: ({ target }, body) => expect(body).toMatchObject({ requestId: target.requestId, actions: expect.arrayContaining(['view', 'upload_file']) }),
  },
  {
    service: 'ingress',
    route: 'PUT /requests/{requestId}/groups/{group}',
    stage: 'draft',
    expect: authorOnly(200),
    send: ({ target }) =>
      at(
        'PUT /requests/{requestId}/groups/{group}',
        { ...ids(target), group: 'tables' },
        { json: { context: 'Counts by ward', controls: 'Cells below 10 suppressed' } },
      ),
  },
  {
    service: 'ingress',
    route: 'PUT /requests/{requestId}/files/{name}',
    stage: 'draft',
    expect: authorOnly(201),
    send: ({ target }) => at('PUT /requests/{requestId}/files/{name}', { ...ids(target), name: 'admissions.csv' }, { raw: SAFE_TABLE }),
  },
  {
    service: 'ingress',
    route: 'DELETE /requests/{requestId}/files/{fileId}',
    stage: 'draft with a file',
    expect: authorOnly(200),
    send: ({ target }) => at('DELETE /requests/{requestId}/files/{fileId}', ids(target)),
  },
  {
    service: 'ingress',
    route: 'POST /requests/{requestId}/submit',
    stage: 'draft with a file',
    expect: authorOnly(200),
    send: ({ target }) => at('POST /requests/{requestId}/submit', ids(target)),
  },
  {
    service: 'ingress',
    route: 'POST /requests/{requestId}/withdraw',
    stage: 'draft',
    expect: authorOnly(200),
    send: ({ target }) => at('POST /requests/{requestId}/withdraw', ids(target)),
  },
  {
    service: 'ingress',
    route: 'POST /requests/{requestId}/files/{fileId}/exceptions',
    stage: 'awaiting review with findings',
    expect: authorOnly(201),
    send: ({ target }) =>
      at('POST /requests/{requestId}/files/{fileId}/exceptions', ids(target), { json: { rule: 'threshold', justification: 'Ward A closed in 2024' } }),
  },
  {
    // The comment endpoint of the researcher's API also takes an independent checker's comment (public).
    service: 'ingress',
    route: 'POST /requests/{requestId}/comments',
    stage: 'awaiting review',
    expect: guarded(
      identities(ROLE_REQUIRED, {
        author: ok(201),
        'lapsed author': NOT_ACCREDITED,
        output_checker: ok(201),
        'project member': no(403, 'PROJECT_MEMBER_REVIEW'),
        'other project checker': NOT_ASSIGNED,
        'lapsed checker': NOT_ACCREDITED,
      }),
    ),
    send: ({ target }) => at('POST /requests/{requestId}/comments', ids(target), { json: { text: 'Ward A is a merged ward' } }),
  },
  {
    service: 'ingress',
    route: 'POST /requests/{requestId}/files/{fileId}/download-links',
    stage: 'released',
    keepsState: true,
    expect: authorOnly(201),
    send: ({ target }) => at('POST /requests/{requestId}/files/{fileId}/download-links', ids(target)),
  },
  {
    service: 'ingress',
    route: 'GET /requests/{requestId}/release-record',
    stage: 'released',
    expect: authorOnly(200),
    send: ({ target }) => at('GET /requests/{requestId}/release-record', ids(target)),
  },
  {
    // A link is its own authority (single use, short-lived, issued to the author): whoever holds it
    // downloads, with or without a token; the holder's accreditation is checked at the moment of use.
    service: 'ingress',
    route: 'GET /downloads/{token}',
    stage: 'released',
    expect: { ...everyone(ok(200)), 'lapsed author': NOT_ACCREDITED },
    send: async ({ target, owner }) => {
      const link = owner === 'lapsed author' ? lapsedAuthorLink : (await client.author.downloadLink(target.requestId, target.fileId)).path;
      return { method: 'GET', path: link };
    },
    check: (_call, body) => expect(body).toBe(SAFE_TABLE),
  },
  {
    service: 'ingress',
    route: 'POST /requests/{requestId}/uploads',
    stage: 'draft',
    expect: authorOnly(201),
    send: ({ target }) =>
      at('POST /requests/{requestId}/uploads', ids(target), {
        json: { name: 'in-parts.csv', size: Buffer.byteLength(SAFE_TABLE), sha256: sha256Hex(SAFE_TABLE) },
      }),
  },
  {
    service: 'ingress',
    route: 'GET /requests/{requestId}/uploads',
    stage: 'draft',
    expect: authorOnly(200),
    send: ({ target }) => at('GET /requests/{requestId}/uploads', ids(target)),
  },
  {
    service: 'ingress',
    route: 'GET /requests/{requestId}/uploads/{uploadId}',
    stage: 'draft',
    expect: authorOnly(200),
    send: async (call) => at('GET /requests/{requestId}/uploads/{uploadId}', { ...ids(call.target), uploadId: await openUpload(call) }),
  },
  {
    service: 'ingress',
    route: 'PUT /requests/{requestId}/uploads/{uploadId}/parts/{partNumber}',
    stage: 'draft',
    expect: authorOnly(200),
    send: async (call) =>
      at(
        'PUT /requests/{requestId}/uploads/{uploadId}/parts/{partNumber}',
        { ...ids(call.target), uploadId: await openUpload(call), partNumber: '1' },
        { raw: SAFE_TABLE, headers: { 'content-digest': PART_DIGEST } },
      ),
  },
  {
    service: 'ingress',
    route: 'POST /requests/{requestId}/uploads/{uploadId}/complete',
    stage: 'draft',
    expect: authorOnly(201),
    send: async (call) =>
      at('POST /requests/{requestId}/uploads/{uploadId}/complete', { ...ids(call.target), uploadId: await openUpload(call, true) }, { json: {} }),
    check: (_call, body) => expect(body).toMatchObject({ file: { sha256: sha256Hex(SAFE_TABLE) } }),
  },
  {
    service: 'ingress',
    route: 'DELETE /requests/{requestId}/uploads/{uploadId}',
    stage: 'draft',
    expect: authorOnly(204),
    send: async (call) => at('DELETE /requests/{requestId}/uploads/{uploadId}', { ...ids(call.target), uploadId: await openUpload(call) }),
  },
  ...operations('ingress'),

  // egress-review: the checkers' API
  {
    service: 'egress-review',
    route: 'GET /reviews',
    stage: 'awaiting review',
    expect: guarded(
      identities(ROLE_REQUIRED, {
        output_checker: ok(200),
        author: ok(200),
        'project member': ok(200),
        'other project checker': ok(200),
        'lapsed checker': NOT_ACCREDITED,
      }),
    ),
    send: () => at('GET /reviews'),
    // Only the project's independent checkers see its requests in the queue.
    check: ({ caller, target }, body) => {
      const listed = (body as { items: { requestId: string }[] }).items.some((i) => i.requestId === target.requestId);
      expect({ caller, listed }).toEqual({ caller, listed: caller === 'output_checker' });
    },
  },
  {
    service: 'egress-review',
    route: 'GET /reviews/{requestId}',
    stage: 'awaiting review',
    // The view is refused with NOT_ASSIGNED_CHECKER whatever the reason (member, lapsed, unassigned).
    expect: guarded(
      identities(ROLE_REQUIRED, {
        output_checker: ok(200),
        author: no(403, 'SELF_REVIEW'),
        'project member': NOT_ASSIGNED,
        'other project checker': NOT_ASSIGNED,
        'lapsed checker': NOT_ASSIGNED,
      }),
    ),
    send: ({ target }) => at('GET /reviews/{requestId}', ids(target)),
    check: ({ target }, body) => expect(body).toMatchObject({ requestId: target.requestId, actions: expect.arrayContaining(['view', 'review']) }),
  },
  {
    service: 'egress-review',
    route: 'GET /reviews/{requestId}/files/{fileId}/content',
    stage: 'awaiting review',
    // Checked with the author first, then one NOT_ASSIGNED_CHECKER for every other refusal (roles included).
    expect: guarded(identities(NOT_ASSIGNED, { output_checker: ok(200), author: no(403, 'SELF_REVIEW'), 'lapsed author': no(403, 'SELF_REVIEW') })),
    send: ({ target }) => at('GET /reviews/{requestId}/files/{fileId}/content', ids(target)),
    check: (_call, body) => expect(body).toBe(SAFE_TABLE),
  },
  {
    service: 'egress-review',
    route: 'POST /reviews/{requestId}/files/{fileId}/votes',
    stage: 'awaiting review',
    expect: checkerOnly(201, no(403, 'SELF_REVIEW')),
    send: ({ target }) =>
      at('POST /reviews/{requestId}/files/{fileId}/votes', ids(target), { json: { decision: 'approve', comment: 'All counts at least 10' } }),
  },
  {
    // Private by default: the author may comment here too, but only in public.
    service: 'egress-review',
    route: 'POST /reviews/{requestId}/comments',
    stage: 'awaiting review',
    expect: { ...checkerOnly(201, no(400, 'INVALID_COMMAND')), 'lapsed author': NOT_ACCREDITED },
    send: ({ target }) => at('POST /reviews/{requestId}/comments', ids(target), { json: { text: 'Checked against the register' } }),
  },
  {
    service: 'egress-review',
    route: 'GET /reviews/{requestId}/release-record',
    stage: 'released',
    expect: guarded(
      identities(ROLE_REQUIRED, {
        output_checker: ok(200),
        administrator: ok(200),
        author: no(403, 'SELF_REVIEW'),
        'project member': NOT_ASSIGNED,
        'other project checker': NOT_ASSIGNED,
        'lapsed checker': NOT_ASSIGNED,
      }),
    ),
    send: ({ target }) => at('GET /reviews/{requestId}/release-record', ids(target)),
  },

  // egress-review: the administrators' API
  {
    service: 'egress-review',
    route: 'POST /admin/projects',
    expect: administratorOnly(201),
    send: () => at('POST /admin/projects', {}, { json: { projectId: uniqueId('p'), name: 'Matrix project', policy: { approval: { requiredApprovals: 2 } } } }),
  },
  {
    service: 'egress-review',
    route: 'GET /admin/projects/{projectId}',
    expect: administratorOnly(200),
    send: () => at('GET /admin/projects/{projectId}', { projectId: SCRATCH_PROJECT }),
  },
  {
    service: 'egress-review',
    route: 'PUT /admin/projects/{projectId}/policy',
    expect: administratorOnly(200),
    send: () => at('PUT /admin/projects/{projectId}/policy', { projectId: SCRATCH_PROJECT }, { json: { approval: { requiredApprovals: 3 } } }),
  },
  {
    service: 'egress-review',
    route: 'PUT /admin/projects/{projectId}/members/{userId}',
    expect: administratorOnly(200),
    send: () => at('PUT /admin/projects/{projectId}/members/{userId}', { projectId: SCRATCH_PROJECT, userId: uniqueId('u') }),
  },
  {
    service: 'egress-review',
    route: 'DELETE /admin/projects/{projectId}/members/{userId}',
    expect: administratorOnly(200),
    send: async () => {
      const userId = uniqueId('u');
      await adminDo('PUT', `/projects/${SCRATCH_PROJECT}/members/${userId}`);
      return at('DELETE /admin/projects/{projectId}/members/{userId}', { projectId: SCRATCH_PROJECT, userId });
    },
  },
  {
    service: 'egress-review',
    route: 'PUT /admin/projects/{projectId}/checkers/{userId}',
    expect: administratorOnly(200),
    send: () => at('PUT /admin/projects/{projectId}/checkers/{userId}', { projectId: SCRATCH_PROJECT, userId: uniqueId('u') }),
  },
  {
    service: 'egress-review',
    route: 'DELETE /admin/projects/{projectId}/checkers/{userId}',
    expect: administratorOnly(200),
    send: async () => {
      const userId = uniqueId('u');
      await adminDo('PUT', `/projects/${SCRATCH_PROJECT}/checkers/${userId}`);
      return at('DELETE /admin/projects/{projectId}/checkers/{userId}', { projectId: SCRATCH_PROJECT, userId });
    },
  },
  {
    service: 'egress-review',
    route: 'PUT /admin/accreditations/{userId}',
    expect: administratorOnly(200),
    send: () => at('PUT /admin/accreditations/{userId}', { userId: uniqueId('u') }, { json: { expiresAt: inAYear() } }),
  },
  {
    service: 'egress-review',
    route: 'DELETE /admin/accreditations/{userId}',
    expect: administratorOnly(200),
    send: async () => {
      const userId = uniqueId('u');
      await adminDo('PUT', `/accreditations/${userId}`, { expiresAt: inAYear() });
      return at('DELETE /admin/accreditations/{userId}', { userId });
    },
  },
  {
    service: 'egress-review',
    route: 'GET /admin/accreditations/{userId}',
    expect: administratorOnly(200),
    send: () => at('GET /admin/accreditations/{userId}', { userId: PEOPLE.output_checker.userId }),
  },
  {
    service: 'egress-review',
    route: 'POST /admin/requests/{requestId}/revoke',
    stage: 'released',
    // The role is checked before the state: everyone else is refused on a released request.
    expect: administratorOnly(200),
    send: ({ target }) => at('POST /admin/requests/{requestId}/revoke', ids(target), { json: { reason: 'Disclosure found after release' } }),
  },
  ...operations('egress-review'),

  // audit: the auditors' API
  {
    service: 'audit',
    route: 'GET /audit/records',
    stage: 'awaiting review',
    expect: auditorOnly(200),
    send: ({ target }) => at('GET /audit/records', {}, { path: `/audit/records?subject=${target.requestId}` }),
  },
  { service: 'audit', route: 'GET /audit/verify', expect: auditorOnly(200), send: () => at('GET /audit/verify') },
  {
    service: 'audit',
    route: 'GET /audit/export',
    stage: 'awaiting review',
    expect: auditorOnly(200),
    send: ({ target }) => at('GET /audit/export', {}, { path: `/audit/export?subject=${target.requestId}` }),
  },
  { service: 'audit', route: 'GET /audit/checkpoints', expect: auditorOnly(200), send: () => at('GET /audit/checkpoints') },
  { service: 'audit', route: 'POST /audit/checkpoints', expect: auditorOnly(201), send: () => at('POST /audit/checkpoints') },
  // The checkpoint key is public: anyone verifying an export offline needs it.
  { service: 'audit', route: 'GET /audit/public-key', expect: OPEN, send: () => at('GET /audit/public-key') },
  { service: 'audit', route: 'GET /audit/public-keys', expect: OPEN, send: () => at('GET /audit/public-keys') },
  ...operations('audit'),

  // disclosure-check: a consumer group; its HTTP server serves health and metrics only
  ...operations('disclosure-check'),
];

/** Health and metrics answer everyone (operators restrict them at the network). */
function operations(service: Service): Row[] {
  return (['GET /health/live', 'GET /health/ready', 'GET /metrics'] as const).map((route) => ({ service, route, expect: OPEN, send: () => at(route) }));
}

// ---- fixtures --------------------------------------------------------------------------------------
const isMutating = (row: Row) => !row.route.startsWith('GET ') && !row.keepsState;
const ownerOf = (caller: Caller): Owner => (caller === 'lapsed author' ? 'lapsed author' : 'author');
/** A success that changes the request gets a request of its own; refusals change nothing and share one. */
const needsOwnRequest = (row: Row, caller: Caller) => isMutating(row) && row.expect[caller].status < 300;
const fixtureKey = (row: Row, caller: Caller) => (needsOwnRequest(row, caller) ? `${row.route} as ${caller}` : `${ownerOf(caller)}: ${row.stage}`);

const fixtures = new Map<string, Promise<Target>>();
let lapsedAuthorLink = '';

async function untilStatus(client: AirlockClient, id: string, status: string): Promise<RequestView> {
  return expectEventually(
    async () => {
      const request = await client.getRequest(id);
      if (request.status !== status) throw new Error(`request ${id} is ${request.status}, waiting for ${status}`);
      return request;
    },
    { timeoutMs: 120_000, intervalMs: 200 },
  );
}

async function makeRequest(owner: Owner, stage: Stage): Promise<Target> {
  const author = client[owner];
  const { requestId } = await author.createRequest(PROJECT, `matrix: ${stage}`);
  await author.defineGroup(requestId, 'outputs', 'Admissions by ward, 2023-2025', 'Counts below 10 suppressed');
  if (stage === 'draft') return { requestId, fileId: 'no-file' };
  const table = stage === 'awaiting review with findings' ? RISKY_TABLE : SAFE_TABLE;
  const { file } = await author.upload(requestId, 'admissions.csv', table);
  const target = { requestId, fileId: file.fileId };
  if (stage === 'draft with a file') return target;
  await author.submit(requestId);
  const checked = await untilStatus(author, requestId, 'awaiting_review');
  if (stage === 'awaiting review with findings') expect(checked.files[0].check?.findings).toEqual([expect.objectContaining({ rule: 'threshold' })]);
  if (stage !== 'released') return target;
  await client.output_checker.vote(requestId, file.fileId, 'approve');
  await client['second checker'].vote(requestId, file.fileId, 'approve');
  await untilStatus(author, requestId, 'released');
  return target;
}

function prepareFixtures(): void {
  for (const row of ROWS) {
    if (!row.stage) continue;
    for (const caller of CALLERS) {
      const key = fixtureKey(row, caller);
      if (!fixtures.has(key)) fixtures.set(key, makeRequest(ownerOf(caller), row.stage));
    }
  }
}

// ---- calls and what they gave ----------------------------------------------------------------------
type Result = { row: Row; caller: Caller; status: number; code?: string; expected: Outcome };
const results: Result[] = [];

async function perform(row: Row, caller: Caller): Promise<{ status: number; code?: string; body: unknown }> {
  const target = row.stage ? await (fixtures.get(fixtureKey(row, caller)) as Promise<Target>) : { requestId: '', fileId: '' };
  const call: Call = { token: tokens[caller], caller, target, owner: ownerOf(caller) };
  const sent = await row.send(call);
  const base = airlock.services[row.service].url;
  const headers: Record<string, string> = { ...sent.headers, ...(call.token ? { authorization: `Bearer ${call.token}` } : {}) };
  let body: string | undefined;
  if (sent.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(sent.json);
  } else if (sent.raw !== undefined) {
    headers['content-type'] = 'application/octet-stream';
    body = sent.raw;
  }
  const response = await fetch(`${base}${sent.path}`, { method: sent.method, headers, body });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  const parsed = /^application\/([\w.-]+\+)?json/.test(type) && text ? (JSON.parse(text) as unknown) : text;
  const code = /problem\+json/.test(type) ? (parsed as { code?: string }).code : undefined;
  if (response.status >= 500) console.error(`${row.route} as ${caller}: ${response.status}`, parsed);
  return { status: response.status, ...(code ? { code } : {}), body: parsed };
}

const label = (o: Outcome) => (o.code ? `${o.status} ${o.code}` : String(o.status));
const isServed = (row: Row) => Boolean(served[row.service]?.paths[pathOf(row.route)]?.[row.route.split(' ')[0].toLowerCase()]);
const SHORT: Record<Caller, string> = {
  'no token': 'none',
  'expired token': 'expired',
  'other issuer': 'issuer',
  'forged signature': 'forged',
  researcher: 'researcher',
  output_checker: 'checker',
  administrator: 'admin',
  auditor: 'auditor',
  author: 'author',
  'project member': 'member',
  'other project checker': 'other chk',
  'lapsed author': 'lapsed auth',
  'lapsed checker': 'lapsed chk',
};

/** One plain-text table per service: endpoints down, callers across, what each call gave. */
function printMatrix(): void {
  const lines: string[] = [];
  for (const service of SERVICES) {
    const table = new Map<string, Map<Caller, string>>();
    for (const { row, caller, status, code, expected } of results.filter((r) => r.row.service === service)) {
      const seen = label({ status, code });
      if (!table.has(row.route)) table.set(row.route, new Map());
      table.get(row.route)?.set(caller, seen === label(expected) ? seen : `✗ ${seen} (want ${label(expected)})`);
    }
    const rows = [['', ...CALLERS.map((c) => SHORT[c])], ...[...table].map(([route, cells]) => [route, ...CALLERS.map((c) => cells.get(c) ?? '')])];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const format = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i])).join(' │ ');
    lines.push(
      '',
      `${service}: endpoint × caller → status and code`,
      format(rows[0]),
      widths.map((w) => '─'.repeat(w)).join('─┼─'),
      ...rows.slice(1).map(format),
    );
  }
  const unserved = ROWS.filter((r) => !isServed(r)).map((r) => `${r.service} ${r.route}`);
  if (unserved.length > 0) lines.push('', `✗ rows for routes the services do not serve (failed): ${unserved.join(', ')}`);
  console.log(`Authorization matrix\n${lines.join('\n')}`);
}

// ---- the test --------------------------------------------------------------------------------------
type OpenApi = { paths: Record<string, Record<string, { security?: unknown; responses: Record<string, ProblemResponse> }>> };
type ProblemResponse = { content?: Record<string, { schema?: { allOf?: { properties?: { code?: { enum?: string[] } } }[] } }> };
const served: Partial<Record<Service, OpenApi>> = {};

beforeAll(async () => {
  airlock = await startAirlock(3300);
  const token = (userId: string, roles: string[], opts = {}) => airlock.token(userId, roles, { expiresInSeconds: 3600, ...opts });
  client = Object.fromEntries(
    await Promise.all(Object.entries(PEOPLE).map(async ([who, p]) => [who, airlock.client.as(await token(p.userId, p.roles))])),
  ) as typeof client;
  for (const [who, p] of Object.entries(PEOPLE)) if (who !== 'second checker') tokens[who as Identity] = await token(p.userId, p.roles);
  const author = PEOPLE.author;
  tokens['no token'] = undefined;
  tokens['expired token'] = await token(author.userId, author.roles, { expiresInSeconds: -3600 });
  tokens['other issuer'] = await token(author.userId, author.roles, { issuer: 'https://issuer.elsewhere.example' });
  tokens['forged signature'] = await token(author.userId, author.roles, { signWithForeignKey: true });

  // Who is who: the project, another project, a scratch project; accreditation for a year, except
  // the lapsed checker's, which ends in seconds.
  const people = (...who: (keyof typeof PEOPLE)[]) => who.map((w) => PEOPLE[w].userId);
  await client.administrator.setUpProject(PROJECT, {
    researchers: people('author', 'project member', 'lapsed author'),
    checkers: people('output_checker', 'second checker'),
  });
  await client.administrator.setUpProject(OTHER_PROJECT, { researchers: people('researcher'), checkers: people('other project checker') });
  await client.administrator.setUpProject(SCRATCH_PROJECT, { researchers: [], checkers: [] });
  const lapsedChecker = PEOPLE['lapsed checker'].userId;
  await adminDo('PUT', `/projects/${PROJECT}/checkers/${lapsedChecker}`);
  const lapsesAt = Date.now() + 5_000;
  await adminDo('PUT', `/accreditations/${lapsedChecker}`, { expiresAt: new Date(lapsesAt).toISOString() });

  for (const service of SERVICES) {
    served[service] = (await (await fetch(`${airlock.services[service].url}/openapi.json`)).json()) as OpenApi;
  }

  // Every request in the state its endpoints act on, made in parallel; then the lapsed author's
  // accreditation is revoked (after they took a download link) and the lapsed checker's has run out.
  prepareFixtures();
  await Promise.all(fixtures.values());
  const released = await (fixtures.get('lapsed author: released') as Promise<Target>);
  lapsedAuthorLink = (await client['lapsed author'].downloadLink(released.requestId, released.fileId)).path;
  await adminDo('DELETE', `/accreditations/${PEOPLE['lapsed author'].userId}`);
  const queued = await (fixtures.get('author: awaiting review') as Promise<Target>);
  await expectEventually(
    async () => {
      const { items } = await client.output_checker.listReviews();
      expect(items.map((i) => i.requestId)).toContain(queued.requestId);
    },
    { timeoutMs: 30_000 },
  );
  await expectEventually(() => expect(Date.now()).toBeGreaterThan(lapsesAt + 1_000), { timeoutMs: 10_000 });
});

afterAll(async () => {
  if (results.length > 0) printMatrix();
  await airlock?.stop();
});

describe('the authorization matrix', () => {
  it('has a row for every operation the four services document', () => {
    const documented = (Object.entries(served) as [Service, OpenApi][]).flatMap(([service, doc]) =>
      Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${service} ${m.toUpperCase()} ${p}`)),
    );
    const rows = new Set(ROWS.map((r) => `${r.service} ${r.route}`));
    expect(documented.filter((route) => !rows.has(route))).toEqual([]);
    expect(documented.length).toBeGreaterThan(35);
  });

  it('has no row for a route its service does not serve (as its OpenAPI document says)', () => {
    expect(ROWS.filter((row) => !isServed(row)).map((row) => `${row.service} ${row.route}`)).toEqual([]);
  });

  it.each(SERVICES)('%s serves the OpenAPI document checked in under docs/openapi', async (service) => {
    const checkedIn = JSON.parse(await readFile(path.resolve(__dirname, '..', 'docs', 'openapi', `${service}.json`), 'utf8')) as unknown;
    expect(served[service]).toEqual(checkedIn);
  });

  const cells = ROWS.flatMap((row) => CALLERS.map((caller) => [`${row.service} ${row.route}`, caller, label(row.expect[caller]), row] as const));
  it.each(cells)('%s as %s → %s', async (_route, caller, _expected, row) => {
    // A row for a route that is not served fails: it would otherwise pass without testing anything.
    expect({ route: `${row.service} ${row.route}`, served: isServed(row) }).toEqual({ route: `${row.service} ${row.route}`, served: true });
    const outcome = await perform(row, caller);
    results.push({ row, caller, status: outcome.status, code: outcome.code, expected: row.expect[caller] });
    // The framework's answer for an unknown route: the document and the server disagree.
    expect({ route: `${row.service} ${row.route}`, code: outcome.code }).not.toEqual({ route: `${row.service} ${row.route}`, code: 'ROUTE_NOT_FOUND' });
    expect({ status: outcome.status, code: outcome.code }).toEqual({ status: row.expect[caller].status, code: row.expect[caller].code });
    if (outcome.status < 300)
      row.check?.(
        { token: tokens[caller], caller, target: (await fixtures.get(fixtureKey(row, caller))) ?? { requestId: '', fileId: '' }, owner: ownerOf(caller) },
        outcome.body,
      );
  });

  it('saw no unexpected success and no server error', () => {
    // Every cell was called: none passed without a call.
    expect(results.length).toBe(cells.length);
    const unexpected = results.filter((r) => r.status < 300 && r.expected.status >= 300).map((r) => `${r.row.route} as ${r.caller}`);
    const serverErrors = results.filter((r) => r.status >= 500).map((r) => `${r.row.route} as ${r.caller}: ${r.status}`);
    expect({ unexpected, serverErrors }).toEqual({ unexpected: [], serverErrors: [] });
  });

  it('every refusal seen is documented with its code, where the operation documents its refusals', () => {
    const undocumented: string[] = [];
    for (const { row, caller, status, code } of results) {
      if (!code) continue;
      const operation = served[row.service]?.paths[pathOf(row.route)]?.[row.route.split(' ')[0].toLowerCase()];
      const statuses = Object.keys(operation?.responses ?? {});
      // Operations nobody described yet carry only what the guard implies (401, 503): skip them.
      if (!statuses.some((s) => s.startsWith('4') && s !== '401')) continue;
      const codes = operation?.responses[String(status)]?.content?.['application/problem+json']?.schema?.allOf?.[1]?.properties?.code?.enum ?? [];
      if (!codes.includes(code)) undocumented.push(`${row.route} as ${caller}: ${status} ${code}`);
    }
    expect(undocumented).toEqual([]);
  });
});
