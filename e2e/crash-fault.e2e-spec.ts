import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Client } from 'pg';
import { wireType } from '@airlock/contracts';
import {
  ApiError,
  expectEventually,
  realStack,
  startAirlockCluster,
  uniqueId,
  type AirlockCluster,
  type AirlockClient,
  type RequestView,
} from '@airlock/testing';

// Crash and fault suite (docs/design.md invariants 1, 4, 5, 6, 7): 200 requests through two instances
// of every service while instances are SIGKILLed at random moments and Kafka, PostgreSQL and the
// S3 server are each restarted once. Afterwards every request is in the state its votes imply, the
// released bucket holds exactly the approved files byte for byte, no effect happened twice, no
// bucket holds an object the log does not account for, the audit chain verifies with one record
// per event, and the outbox is drained. AIRLOCK_CRASH_REQUESTS changes the count (default 200).
jest.setTimeout(1_500_000);

const REQUESTS = Number(process.env.AIRLOCK_CRASH_REQUESTS ?? 200);
const CONCURRENCY = 12;
const LARGE_BYTES = 50 * 1024 * 1024;
const ROOT = path.resolve(__dirname, '..');
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// The EICAR test file, in two halves so that this source file does not trip a scanner itself.
const EICAR = Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(''), 'latin1');
/** The event store's type column holds wire types (`FileReleased` is `airlock.request.file-released.v1`). */
const wire = (type: string) => wireType(type as Parameters<typeof wireType>[0]);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

type Plan = 'release' | 'revoke' | 'override' | 'changes' | 'reject' | 'eicar' | 'two-groups' | 'large';
const EXPECTED: Record<Plan, string> = {
  release: 'released',
  revoke: 'revoked',
  override: 'released',
  changes: 'changes_requested',
  reject: 'rejected',
  eicar: 'blocked',
  'two-groups': 'released',
  large: 'released',
};
const CYCLE: Plan[] = ['release', 'revoke', 'override', 'changes', 'reject', 'eicar', 'two-groups', 'release', 'override', 'release'];

type Upload = { name: string; group: string; body: Buffer };
type Tracked = { index: number; plan: Plan; id?: string; uploads: Upload[]; status?: string; error?: string };

const stats = { retries: 0, serverErrors: new Map<number, number>(), unexpected: [] as string[], kills: 0, restarts: [] as string[] };

function clean(i: number): Buffer {
  return Buffer.from(`ward,admissions\nward-${i}-A,${120 + (i % 7)}\nward-${i}-B,${98 + (i % 5)}\nward-${i}-C,${57 + (i % 3)}\n`);
}
function disclosive(i: number): Buffer {
  return Buffer.from(`ward,admissions\nward-${i}-A,3\nward-${i}-B,${98 + (i % 5)}\nward-${i}-C,${57 + (i % 3)}\n`);
}
function large(): Buffer {
  const row = (r: number) => `region-${r},${100 + (r % 50)},${200 + (r % 70)}\n`;
  const parts: string[] = ['region,count_a,count_b\n'];
  let size = parts[0].length;
  for (let r = 0; size < LARGE_BYTES; r++) {
    const line = row(r);
    parts.push(line);
    size += line.length;
  }
  return Buffer.from(parts.join(''));
}

function uploadsFor(plan: Plan, i: number): Upload[] {
  switch (plan) {
    case 'override':
    case 'changes':
      return [{ name: `table-${i}.csv`, group: 'outputs', body: disclosive(i) }];
    case 'eicar':
      return [{ name: `notes-${i}.txt`, group: 'outputs', body: EICAR }];
    case 'two-groups':
      return [
        { name: `a-${i}.csv`, group: 'outputs', body: clean(i) },
        { name: `b-${i}.csv`, group: 'extra', body: clean(i + 100_000) },
      ];
    case 'large':
      return [{ name: `large-${i}.csv`, group: 'outputs', body: large() }];
    default:
      return [{ name: `table-${i}.csv`, group: 'outputs', body: clean(i) }];
  }
}

/**
 * What a careful client does against a service that may be restarting: retry what failed in
 * transit or with a 5xx; a 4xx that `settled` recognises (the first try did land) ends the retry.
 */
async function persist<T>(what: string, call: () => Promise<T>, settled?: (e: ApiError) => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ApiError && error.status >= 500) stats.serverErrors.set(error.status, (stats.serverErrors.get(error.status) ?? 0) + 1);
      // A server that is down or restarting answers 503 (the client waits and retries); any other
      // 5xx is a fault the airlock should have mapped, and is kept with its message for the report.
      if (error instanceof ApiError && error.status >= 500 && error.status !== 503) stats.unexpected.push(`${what}: ${error.status} ${error.message}`);
      if (error instanceof ApiError && error.status < 500) {
        const done = settled ? await settled(error).catch(() => undefined) : undefined;
        if (done !== undefined) return done;
        if (error.status !== 429) throw new Error(`${what}: ${error.message}`);
      }
      if (Date.now() > deadline) throw new Error(`${what}: still failing after 5 minutes: ${(error as Error).message}`);
      stats.retries += 1;
      await sleep(200 + Math.random() * 400);
    }
  }
}

async function read(client: AirlockClient, id: string, as: 'researcher' | 'checker'): Promise<RequestView> {
  return persist(`read ${id}`, () => (as === 'researcher' ? client.getRequest(id) : client.getReview(id)));
}

async function until(client: AirlockClient, id: string, statuses: string[], as: 'researcher' | 'checker' = 'researcher'): Promise<RequestView> {
  return expectEventually(
    async () => {
      const view = await read(client, id, as);
      if (!statuses.includes(view.status)) throw new Error(`request ${id} is ${view.status}, waiting for ${statuses.join('|')}`);
      return view;
    },
    { timeoutMs: 420_000, intervalMs: 300 },
  );
}

let cluster: AirlockCluster;
let researcher: AirlockClient;
let checkers: AirlockClient[];
let admin: AirlockClient;
let auditor: AirlockClient;
let project: string;
const tracked: Tracked[] = [];

async function drive(t: Tracked): Promise<void> {
  const created = await persist('create', () => researcher.createRequest(project, `crash suite ${t.index} (${t.plan})`));
  const id = created.requestId;
  t.id = id;
  for (const group of new Set(t.uploads.map((u) => u.group))) {
    await persist('group', () => researcher.defineGroup(id, group, `Admissions by ward, ${group}`, 'Counts under 10 suppressed; checked by the team'));
  }
  for (const upload of t.uploads) {
    const landed = async () => {
      const view = await researcher.getRequest(id);
      return view.files.some((f) => f.name === upload.name && f.sha256 === sha256(upload.body)) ? view : undefined;
    };
    await persist(
      `upload ${upload.name}`,
      async () => (await landed()) ?? (await researcher.upload(id, upload.name, upload.body, { group: upload.group })).request,
      () => landed(),
    );
  }
  const submitted = async () => {
    const view = await researcher.getRequest(id);
    return view.status === 'draft' ? undefined : view;
  };
  await persist(
    'submit',
    () => researcher.submit(id),
    () => submitted(),
  );
  const ready = await until(researcher, id, ['awaiting_review', 'blocked', 'failed']);
  if (ready.status !== 'awaiting_review') return;
  const review = await read(checkers[0], id, 'checker');
  const decisions: Record<Plan, ['approve' | 'request_changes' | 'reject', 'approve' | 'request_changes' | 'reject']> = {
    release: ['approve', 'approve'],
    revoke: ['approve', 'approve'],
    override: ['approve', 'approve'],
    'two-groups': ['approve', 'approve'],
    large: ['approve', 'approve'],
    changes: ['request_changes', 'request_changes'],
    reject: ['reject', 'approve'],
    eicar: ['approve', 'approve'],
  };
  for (const [c, checker] of checkers.entries()) {
    for (const file of review.files) {
      const decision = decisions[t.plan][c];
      const extra =
        file.check?.verdict === 'fail' && decision === 'approve'
          ? { overrideJustification: 'Ward totals are published by the trust; the small cell is a transfer count' }
          : {};
      const voted = async () => {
        const view = await checker.getReview(id);
        const mine = view.files.find((f) => f.fileId === file.fileId)?.votes ?? [];
        return view.status !== 'awaiting_review' || mine.length > 0 ? view : undefined;
      };
      await persist(
        'vote',
        () => checker.vote(id, file.fileId, decision, extra),
        () => voted(),
      );
    }
  }
  if (t.plan === 'revoke') {
    await until(researcher, id, ['released']);
    const revoked = async () => ((await researcher.getRequest(id)).status === 'revoked' ? ({} as Record<string, unknown>) : undefined);
    await persist(
      'revoke',
      () => admin.admin('POST', `/requests/${id}/revoke`, { reason: 'released in error: wrong cohort' }),
      () => revoked(),
    );
  }
}

/** SIGKILLs a random instance every 5-10 s and starts it again; restarts each server once. */
async function chaos(done: () => boolean, progress: () => number): Promise<void> {
  const servers = ['kafka', 'postgres', 's3'];
  while (!done()) {
    // Every kill and every restart makes the killed service's consumer groups rebalance (a dead
    // member holds its partitions for the session timeout): one every few seconds keeps the groups
    // rebalancing most of the time, which is the point, yet lets the run finish in minutes.
    // A server restart falls due at 20%, 40% and 60% of the requests: it is looked for every 200 ms
    // of the wait, since a fast run can go from 60% to done within one 5-10 s wait.
    const isDue = () => servers.length > 0 && progress() >= (4 - servers.length) * 0.2;
    const wakeAt = Date.now() + 5000 + Math.random() * 5000;
    while (Date.now() < wakeAt && !done() && !isDue()) await sleep(200);
    if (done()) break;
    const due = isDue();
    if (due) {
      const server = servers.shift() as string;
      stats.restarts.push(server);
      await run('bash', [path.join(ROOT, 'deploy/local/stack.sh'), 'restart', server], { env: process.env });
      continue;
    }
    const live = cluster.instances.filter((i) => i.process);
    const victim = live[Math.floor(Math.random() * live.length)];
    await cluster.kill(victim);
    stats.kills += 1;
    await sleep(300 + Math.random() * 1200);
    await cluster.start(victim);
  }
  // Whatever was still down comes back before the checks.
  for (const instance of cluster.instances) if (!instance.process) await cluster.start(instance);
}

async function listKeys(stage: string, prefix: string): Promise<Map<string, string | undefined>> {
  const keys = new Map<string, string | undefined>();
  let token: string | undefined;
  do {
    const out = await cluster.s3.send(new ListObjectsV2Command({ Bucket: `${cluster.bucketPrefix}${stage}`, Prefix: prefix, ContinuationToken: token }));
    for (const o of out.Contents ?? []) keys.set(o.Key as string, o.ETag);
    token = out.NextContinuationToken;
  } while (token);
  return keys;
}

async function objectSha(stage: string, key: string): Promise<string> {
  const out = await cluster.s3.send(new GetObjectCommand({ Bucket: `${cluster.bucketPrefix}${stage}`, Key: key }));
  return sha256(Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()));
}

beforeAll(async () => {
  // Drafts a crash or an S3 restart left behind (after a recorded submission, or an upload killed
  // between its object and its event) are swept on a schedule, minutes in production: seconds
  // here, so the check below can wait for it.
  cluster = await startAirlockCluster(3600, 2, { AIRLOCK_DRAFT_SWEEP_INTERVAL_MS: '5000', AIRLOCK_DRAFT_GRACE_MS: '10000' });
  const token = (user: string, roles: string[]) => cluster.token(user, roles);
  researcher = cluster.client.as(await token('crash-rita', ['researcher']));
  checkers = [cluster.client.as(await token('crash-carl', ['output_checker'])), cluster.client.as(await token('crash-cora', ['output_checker']))];
  admin = cluster.client.as(await token('crash-root', ['administrator']));
  auditor = cluster.client.as(await token('crash-audrey', ['auditor']));
  project = uniqueId('crash');
  await admin.setUpProject(project, { researchers: ['crash-rita'], checkers: ['crash-carl', 'crash-cora'] });
  for (let i = 0; i < REQUESTS; i++) {
    const plan: Plan = i === 0 ? 'large' : CYCLE[i % CYCLE.length];
    tracked.push({ index: i, plan, uploads: uploadsFor(plan, i) });
  }
});

afterAll(async () => {
  await cluster?.stop();
});

describe('two instances of every service, killed at random, with Kafka, PostgreSQL and S3 restarted', () => {
  it('drives every request to the state its votes imply', async () => {
    let finished = 0;
    let next = 0;
    const worker = async () => {
      while (next < tracked.length) {
        const t = tracked[next++];
        await drive(t).catch((error: Error) => {
          t.error = error.message;
        });
        finished += 1;
      }
    };
    const workload = Promise.all(Array.from({ length: CONCURRENCY }, worker));
    let workloadDone = false;
    const chaosDone = chaos(
      () => workloadDone,
      () => finished / tracked.length,
    );
    await workload;
    workloadDone = true;
    await chaosDone;
    // Final states, read once the system has settled (revocations and releases finish asynchronously).
    for (const t of tracked) {
      if (!t.id) continue;
      const final = await until(researcher, t.id, [EXPECTED[t.plan]]).catch(() => undefined);
      t.status = final?.status ?? (await read(researcher, t.id, 'researcher')).status;
    }
    printTally();
    const wrong = tracked.filter((t) => t.status !== EXPECTED[t.plan]).map((t) => ({ index: t.index, plan: t.plan, status: t.status, error: t.error }));
    expect(wrong).toEqual([]);
    expect(stats.restarts).toEqual(['kafka', 'postgres', 's3']);
    // While servers restart, every refusal is a 503 that says "try again", never a 500.
    expect(stats.unexpected).toEqual([]);
  });

  it('keeps the released bucket equal to the log: exactly the approved files, byte for byte', async () => {
    for (const t of tracked) {
      const released = await listKeys('released', `requests/${t.id}/`);
      const shouldHold = EXPECTED[t.plan] === 'released' ? t.uploads.map((u) => sha256(u.body)).sort() : [];
      const holds = await Promise.all([...released.keys()].map((key) => objectSha('released', key)));
      expect({ index: t.index, plan: t.plan, released: holds.sort() }).toEqual({ index: t.index, plan: t.plan, released: shouldHold });
    }
  });

  it('records no effect twice, leaves no object the log does not account for, and drains the outbox', async () => {
    const db = new Client({ connectionString: realStack().databaseUrl });
    await db.connect();
    try {
      const ids = tracked.map((t) => t.id as string);
      const streams = ids.map((id) => `request-${id}`);
      const { rows: duplicates } = await db.query<{ stream_id: string; type: string; n: string }>(
        `SELECT stream_id, type, count(*) AS n FROM events WHERE stream_id = ANY($1) AND type = ANY($2)
         GROUP BY stream_id, type, envelope #>> '{data,fileId}', envelope #>> '{data,turn}', envelope #>> '{data,checkerId}' HAVING count(*) > 1`,
        [
          streams,
          [
            'FileScanned',
            'FileChecked',
            'FileBlocked',
            'FileReleased',
            'RequestApproved',
            'RequestReleased',
            'RequestRejected',
            'RequestRevoked',
            'RejectedFileMoved',
            'ReleasedFileWithdrawn',
            'ChangesRequested',
            'RequestBlocked',
            'ReviewOpened',
            'VoteCast',
            'RequestSubmitted',
          ].map(wire),
        ],
      );
      expect(duplicates).toEqual([]);
      // Where every file should be, by the log; then where the buckets say it is.
      const { rows: moves } = await db.query<{ stream_id: string; type: string; data: Record<string, unknown> }>(
        `SELECT stream_id, type, envelope -> 'data' AS data FROM events WHERE stream_id = ANY($1) ORDER BY global_position`,
        [streams],
      );
      const expected: Record<string, Set<string>> = { draft: new Set(), quarantine: new Set(), released: new Set(), rejected: new Set(), blocked: new Set() };
      for (const { type, data } of moves) {
        if (type === wire('FileUploaded')) expected.draft.add(data.draftKey as string);
        if (type === wire('FileRemoved')) expected.draft.forEach((k) => k.endsWith(`/${data.fileId as string}`) && expected.draft.delete(k));
        if (type === wire('RequestSubmitted')) {
          for (const f of data.files as { fileId: string; quarantineKey: string }[]) {
            expected.quarantine.add(f.quarantineKey);
            expected.draft.forEach((k) => k.endsWith(`/${f.fileId}`) && expected.draft.delete(k));
          }
        }
        if (type === wire('FileBlocked')) {
          expected.quarantine.delete(data.blockedKey as string);
          expected.blocked.add(data.blockedKey as string);
        }
        if (type === wire('RejectedFileMoved')) {
          expected.quarantine.delete(data.rejectedKey as string);
          expected.rejected.add(data.rejectedKey as string);
        }
        if (type === wire('FileReleased')) expected.released.add(data.releasedKey as string);
        if (type === wire('ReleasedFileWithdrawn')) expected.released.delete(data.releasedKey as string);
      }
      for (const stage of Object.keys(expected)) {
        await expectEventually(
          async () => {
            const found: string[] = [];
            for (const id of ids) found.push(...(await listKeys(stage, `requests/${id}/`)).keys());
            expect({ stage, keys: found.sort() }).toEqual({ stage, keys: [...expected[stage]].sort() });
          },
          { timeoutMs: 60_000, intervalMs: 2000 },
        );
      }
      await expectEventually(
        async () => {
          const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL');
          expect(Number(rows[0].n)).toBe(0);
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      // One audit record per event of these requests, and a chain that verifies.
      await expectEventually(
        async () => {
          const { rows } = await db.query<{ missing: string }>(
            `SELECT count(*) AS missing FROM events e WHERE e.stream_id = ANY($1) AND NOT EXISTS (SELECT 1 FROM audit_records a WHERE a.meta->>'eventId' = e.event_id)`,
            [streams],
          );
          expect(Number(rows[0].missing)).toBe(0);
        },
        { timeoutMs: 180_000, intervalMs: 1000 },
      );
      const verified = await persist('verify', () => auditor.verifyAudit());
      expect(verified.valid).toBe(true);
    } finally {
      await db.end();
    }
  });
});

function printTally(): void {
  const rows = new Map<string, { plan: Plan; expected: string; count: number; got: Map<string, number> }>();
  for (const t of tracked) {
    const row = rows.get(t.plan) ?? { plan: t.plan, expected: EXPECTED[t.plan], count: 0, got: new Map() };
    row.count += 1;
    row.got.set(t.status ?? 'not created', (row.got.get(t.status ?? 'not created') ?? 0) + 1);
    rows.set(t.plan, row);
  }
  const lines = [
    'plan        requests  expected            reached',
    ...[...rows.values()].map(
      (r) => `${r.plan.padEnd(12)}${String(r.count).padStart(8)}  ${r.expected.padEnd(20)}${[...r.got].map(([s, n]) => `${s} ${n}`).join(', ')}`,
    ),
  ];
  lines.push(
    `instances SIGKILLed: ${stats.kills}; servers restarted: ${stats.restarts.join(', ')}; client retries: ${stats.retries}; 5xx answers seen: ${[...stats.serverErrors].map(([s, n]) => `${s} x${n}`).join(', ') || 'none'}`,
  );
  console.log(`crash and fault suite\n${lines.join('\n')}`);
}
