import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import { Client } from 'pg';
import { wireType } from '@airlock/contracts';
import { ClamdScanner } from '@airlock/scanning';
import { AirlockClient, realStack, startAirlockCluster, uniqueId } from '@airlock/testing';
import { cpuSnapshot, cpuSpent } from '../lib/cpu';
import { ensureTestFile } from '../lib/test-file';

// Pipeline (issue 14): submit -> awaiting review on the real stack, one instance of each service.
// A request's time runs from the moment this process sends its submit call; every later point is
// read from the event store's own timestamps (and the outbox's publication time), so this
// process's polling adds nothing. Stages of one request, in order:
//   (upload   the file's upload before the submit, timed by this process; not part of the total)
//   submit    the submit call sent -> RequestSubmitted recorded (authorization, the freeze: each
//             file copied into quarantine and its SHA-256 checked, the append)
//   relay     RequestSubmitted recorded -> its outbox row published to Kafka
//   delivery  published -> ChecksStarted recorded (Kafka delivery, consume, load, append)
//   scan      ChecksStarted -> the last FileScanned (clamd)
//   checks    the last FileScanned -> the last FileChecked (disclosure rules, differencing)
//   review    the last FileChecked -> ReviewOpened
//   readModel ReviewOpened -> egress-review's queue row updated (the checker can see it)
// The large-file figure is set against the hardware in the same run: clamd's scan of the same
// bytes plus their SHA-256, measured here one after the other.

export type PipelineOptions = { concurrent: number; singleRuns: number; largeBytes: number; basePort: number; outDir: string };

type StageName = 'upload' | 'submit' | 'relay' | 'delivery' | 'scan' | 'checks' | 'review' | 'readModel';
const STAGES: StageName[] = ['upload', 'submit', 'relay', 'delivery', 'scan', 'checks', 'review', 'readModel'];
type Timeline = { totalMs: number; stages: Record<StageName, number> };
type Spread = { median: number; p99: number; max: number };

export type PipelineReport = {
  machine: { cpus: number; loadAverage1m: { start: number; end: number } };
  options: Omit<PipelineOptions, 'outDir'>;
  /** cpuSeconds: CPU each process spent from the first submit until the last request reached review. */
  concurrent: { requests: number; submitToReviewMs: Spread; stagesMs: Record<StageName, Spread>; wallSeconds: number; cpuSeconds: Record<string, number> };
  single: { runs: number; submitToReviewMs: Spread; stagesMs: Record<StageName, Spread> };
  largeFile: { bytes: number; submitToReviewMs: number; stagesMs: Record<StageName, number>; clamdScanMs: number; sha256Ms: number; ratio: number };
  summary: { submitToReviewMedianMs: number; submitToReviewP99Ms: number; singleRequestMs: number; largeFileRatio: number };
};

const TABLE = (i: number) => `ward,admissions\nward-${i}-A,${120 + (i % 9)}\nward-${i}-B,${98 + (i % 7)}\n`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

const stageSpreads = (timelines: Timeline[]): Record<StageName, Spread> =>
  Object.fromEntries(STAGES.map((s) => [s, spread(timelines.map((t) => t.stages[s]))])) as Record<StageName, Spread>;

type Prepared = { id: string; uploadMs: number };

/** A request with its file uploaded, ready to submit. */
async function prepare(
  client: AirlockClient,
  projectId: string,
  label: string,
  body: string | AsyncIterable<Uint8Array>,
  name: string,
  length?: number,
): Promise<Prepared> {
  const request = await client.createRequest(projectId, `pipeline ${label}`);
  await client.defineGroup(request.requestId, 'outputs', 'Admissions by ward', 'Counts under 10 suppressed');
  const uploadMs = await timed(() => client.upload(request.requestId, name, body, { length }));
  return { id: request.requestId, uploadMs };
}

/** Sends the submit call; returns when it was sent (epoch ms, the clock the database also uses on this machine). */
async function submitAt(client: AirlockClient, id: string): Promise<number> {
  const sentAt = performance.timeOrigin + performance.now();
  await client.submit(id);
  return sentAt;
}

/** Each request's timeline, once it reached review and the checkers' queue shows it; undefined until then. */
async function timelines(db: Client, sent: Map<string, { sentAt: number; uploadMs: number }>): Promise<Map<string, Timeline>> {
  const ids = [...sent.keys()];
  const t = (name: Parameters<typeof wireType>[0]) => wireType(name);
  const { rows } = await db.query<
    { stream_id: string } & Record<'submitted' | 'published' | 'started' | 'scanned' | 'checked' | 'opened' | 'visible', string | null>
  >(
    `SELECT e.stream_id,
            extract(epoch FROM max(e.recorded_at) FILTER (WHERE e.type = $2)) * 1000 AS submitted,
            extract(epoch FROM max(o.published_at) FILTER (WHERE e.type = $2)) * 1000 AS published,
            extract(epoch FROM max(e.recorded_at) FILTER (WHERE e.type = $3)) * 1000 AS started,
            extract(epoch FROM max(e.recorded_at) FILTER (WHERE e.type = $4)) * 1000 AS scanned,
            extract(epoch FROM max(e.recorded_at) FILTER (WHERE e.type = $5)) * 1000 AS checked,
            extract(epoch FROM max(e.recorded_at) FILTER (WHERE e.type = $6)) * 1000 AS opened,
            extract(epoch FROM max(r.updated_at)) * 1000 AS visible
       FROM events e
       LEFT JOIN outbox o ON o.event_id = e.event_id
       LEFT JOIN review_requests r ON 'request-' || r.request_id = e.stream_id AND r.status = 'awaiting_review'
      WHERE e.stream_id = ANY($1)
      GROUP BY e.stream_id`,
    [ids.map((id) => `request-${id}`), t('RequestSubmitted'), t('ChecksStarted'), t('FileScanned'), t('FileChecked'), t('ReviewOpened')],
  );
  const done = new Map<string, Timeline>();
  for (const row of rows) {
    const v = Object.fromEntries(Object.entries(row).map(([k, x]) => [k, x === null ? null : Number(x)]));
    const { submitted, published, started, scanned, checked, opened, visible } = v as Record<string, number | null>;
    if ([submitted, published, started, scanned, checked, opened, visible].some((x) => x === null)) continue;
    const at = { submitted, published, started, scanned, checked, opened, visible } as Record<string, number>;
    const id = row.stream_id.slice('request-'.length);
    const { sentAt, uploadMs } = sent.get(id) as { sentAt: number; uploadMs: number };
    done.set(id, {
      totalMs: at.opened - sentAt,
      stages: {
        upload: uploadMs,
        submit: at.submitted - sentAt,
        relay: at.published - at.submitted,
        delivery: at.started - at.published,
        scan: at.scanned - at.started,
        checks: at.checked - at.scanned,
        review: at.opened - at.checked,
        readModel: Math.max(0, at.visible - at.opened),
      },
    });
  }
  return done;
}

async function waitFor(db: Client, sent: Map<string, { sentAt: number; uploadMs: number }>, timeoutMs: number): Promise<Map<string, Timeline>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await timelines(db, sent);
    if (found.size === sent.size) return found;
    if (Date.now() > deadline) throw new Error(`${sent.size - found.size} of ${sent.size} requests never reached review`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export async function runPipelineBench(options: PipelineOptions): Promise<PipelineReport> {
  const loadAtStart = os.loadavg()[0];
  const stack = realStack();
  const cluster = await startAirlockCluster(options.basePort, 1, { AIRLOCK_LOG_LEVEL: 'error' });
  const db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  try {
    const projectId = uniqueId('pipeline');
    const researchers = Array.from({ length: Math.min(options.concurrent, 10) }, (_, r) => `pipeline-researcher-${r}`);
    const admin = cluster.client.as(await cluster.token('pipeline-admin', ['administrator']));
    await admin.setUpProject(projectId, { researchers, checkers: [] });
    const clients = await Promise.all(researchers.map(async (r) => cluster.client.as(await cluster.token(r, ['researcher']))));

    // One request alone, several times over, on the idle cluster.
    const single: Timeline[] = [];
    for (let run = 0; run < options.singleRuns; run += 1) {
      const { id, uploadMs } = await prepare(clients[0], projectId, `alone ${run}`, TABLE(run), `alone-${run}.csv`);
      const sentAt = await submitAt(clients[0], id);
      single.push((await waitFor(db, new Map([[id, { sentAt, uploadMs }]]), 120_000)).get(id) as Timeline);
    }

    // Many at once: every request is prepared first, then all are submitted together.
    const prepared: Prepared[] = [];
    for (let i = 0; i < options.concurrent; i += 1)
      prepared.push(await prepare(clients[i % clients.length], projectId, `burst ${i}`, TABLE(i), `burst-${i}.csv`));
    const cpuBefore = cpuSnapshot();
    const burstStart = process.hrtime.bigint();
    const sentAt = await Promise.all(prepared.map(({ id }, i) => submitAt(clients[i % clients.length], id)));
    const sent = new Map(prepared.map(({ id, uploadMs }, i) => [id, { sentAt: sentAt[i], uploadMs }]));
    const burst = [...(await waitFor(db, sent, 600_000)).values()];
    const wallSeconds = Number(process.hrtime.bigint() - burstStart) / 1e9;
    const cpuSeconds = cpuSpent(cpuBefore, cpuSnapshot());

    // A large file through the whole pipeline, beside clamd's scan and SHA-256 of the same bytes.
    const file = ensureTestFile(options.outDir, options.largeBytes);
    const largePrepared = await prepare(clients[0], projectId, 'large', createReadStream(file.path), 'large.bin', file.bytes);
    const largeSentAt = await submitAt(clients[0], largePrepared.id);
    const large = (await waitFor(db, new Map([[largePrepared.id, { sentAt: largeSentAt, uploadMs: largePrepared.uploadMs }]]), 1_800_000)).get(
      largePrepared.id,
    ) as Timeline;
    const scanner = new ClamdScanner({ host: stack.clamd.host, port: stack.clamd.port, timeoutMs: 600_000 });
    const clamdScanMs = await timed(() => scanner.scan(createReadStream(file.path, { highWaterMark: 1024 * 1024 })));
    const sha256Ms = await timed(async () => {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(file.path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
      if (hash.digest('hex') !== file.sha256) throw new Error('the large test file changed during the run');
    });

    const burstSpread = spread(burst.map((t) => t.totalMs));
    const singleSpread = spread(single.map((t) => t.totalMs));
    const ratio = large.totalMs / (clamdScanMs + sha256Ms);
    return {
      machine: { cpus: os.availableParallelism(), loadAverage1m: { start: loadAtStart, end: os.loadavg()[0] } },
      options: { concurrent: options.concurrent, singleRuns: options.singleRuns, largeBytes: options.largeBytes, basePort: options.basePort },
      concurrent: { requests: burst.length, submitToReviewMs: burstSpread, stagesMs: stageSpreads(burst), wallSeconds, cpuSeconds },
      single: { runs: single.length, submitToReviewMs: singleSpread, stagesMs: stageSpreads(single) },
      largeFile: { bytes: file.bytes, submitToReviewMs: large.totalMs, stagesMs: large.stages, clamdScanMs, sha256Ms, ratio },
      summary: {
        submitToReviewMedianMs: burstSpread.median,
        submitToReviewP99Ms: burstSpread.p99,
        singleRequestMs: singleSpread.median,
        largeFileRatio: ratio,
      },
    };
  } finally {
    await db.end();
    await cluster.stop();
  }
}

export function formatPipelineReport(r: PipelineReport): string {
  const f = (n: number) => n.toFixed(0).padStart(7);
  const row = (stage: string, s: Spread) => `  ${stage.padEnd(10)} ${f(s.median)} ${f(s.p99)} ${f(s.max)}`;
  const mib = (r.largeFile.bytes / 1024 / 1024).toFixed(0);
  return [
    `\nPipeline: submit -> awaiting review, one instance of each service (${r.machine.cpus} cores, load ${r.machine.loadAverage1m.start.toFixed(1)} -> ${r.machine.loadAverage1m.end.toFixed(1)})`,
    `  ${r.concurrent.requests} requests submitted at once: median ${r.summary.submitToReviewMedianMs.toFixed(0)} ms, p99 ${r.summary.submitToReviewP99Ms.toFixed(0)} ms`,
    `  CPU seconds in the ${r.concurrent.wallSeconds.toFixed(1)} s of the burst: ${Object.entries(r.concurrent.cpuSeconds)
      .map(([label, s]) => `${label} ${s.toFixed(2)}`)
      .join(', ')}`,
    `  one request alone (median of ${r.single.runs}): ${r.summary.singleRequestMs.toFixed(0)} ms`,
    `  per stage, ${r.concurrent.requests} at once (ms)  median     p99     max`,
    ...STAGES.map((s) => row(s, r.concurrent.stagesMs[s])),
    `  per stage, alone (ms)            median     p99     max`,
    ...STAGES.map((s) => row(s, r.single.stagesMs[s])),
    `  ${mib} MiB file: submit -> review ${r.largeFile.submitToReviewMs.toFixed(0)} ms; clamd scan ${r.largeFile.clamdScanMs.toFixed(0)} ms + SHA-256 ${r.largeFile.sha256Ms.toFixed(0)} ms of the same bytes; ratio ${r.largeFile.ratio.toFixed(2)}`,
    `    stages: ${STAGES.map((s) => `${s} ${r.largeFile.stagesMs[s].toFixed(0)}`).join(', ')}\n`,
  ].join('\n');
}
