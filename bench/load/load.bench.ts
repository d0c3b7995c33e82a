import os from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { wireType } from '@airlock/contracts';
import { AirlockClient, realStack, startAirlockCluster, uniqueId } from '@airlock/testing';

// Load: many researchers submit at once against two instances of every service on the real stack.
// Submit -> awaiting review is read from the event store's own timestamps (RequestSubmitted to
// ReviewOpened of the same turn), so polling by this process adds nothing to the figures. The
// baseline in the same run is one request alone on the same idle cluster.

export type LoadOptions = { requests: number; researchers: number; instances: number; basePort: number };

export type LoadReport = {
  machine: { cpus: number; loadAverage1m: { start: number; end: number } };
  options: LoadOptions;
  reachedReview: number;
  wallSeconds: number;
  throughputPerSecond: number;
  submitToReviewMs: { median: number; p99: number; max: number };
  singleRequestMs: number;
  consumerLag: { drainedAfterMs: number; remaining: number };
  summary: {
    loadThroughputPerSecond: number;
    loadSubmitToReviewMedianMs: number;
    loadSubmitToReviewP99Ms: number;
    singleRequestMs: number;
    consumerLagAfterDrain: number;
  };
};

const TABLE = (i: number) => `ward,admissions\nward-${i}-A,${120 + (i % 9)}\nward-${i}-B,${98 + (i % 7)}\n`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function submitOne(client: AirlockClient, projectId: string, i: number): Promise<string> {
  const request = await client.createRequest(projectId, `load ${i}`);
  await client.defineGroup(request.requestId, 'outputs', 'Admissions by ward', 'Counts under 10 suppressed');
  await client.upload(request.requestId, `table-${i}.csv`, TABLE(i));
  await client.submit(request.requestId);
  return request.requestId;
}

async function reviewTimes(db: Client, ids: string[]): Promise<Map<string, number>> {
  // The event store keys a request's stream as `request-<id>`.
  const { rows } = await db.query<{ stream_id: string; ms: string }>(
    `SELECT s.stream_id, extract(epoch FROM (o.recorded_at - s.recorded_at)) * 1000 AS ms
       FROM events s JOIN events o ON o.stream_id = s.stream_id AND o.type = $3
      WHERE s.type = $2 AND s.stream_id = ANY($1)`,
    [ids.map((id) => `request-${id}`), wireType('RequestSubmitted'), wireType('ReviewOpened')],
  );
  return new Map(rows.map((r) => [r.stream_id.slice('request-'.length), Number(r.ms)]));
}

/** Sum over the airlock's consumer groups of (end offset - committed offset). */
async function consumerLag(kafka: Kafka): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    let lag = 0;
    for (const { groupId } of groups.filter((g) => g.groupId.startsWith('airlock.'))) {
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
        const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
        for (const p of partitions) if (Number(p.offset) >= 0) lag += Math.max(0, (ends.get(p.partition) ?? 0) - Number(p.offset));
      }
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}

export async function runLoadBench(options: LoadOptions): Promise<LoadReport> {
  const loadAtStart = os.loadavg()[0];
  const stack = realStack();
  const cluster = await startAirlockCluster(options.basePort, options.instances, { AIRLOCK_LOG_LEVEL: 'error' });
  const db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  const kafka = new Kafka({ clientId: 'airlock-load-bench', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
  try {
    const projectId = uniqueId('load');
    const researchers = Array.from({ length: options.researchers }, (_, r) => `load-researcher-${r}`);
    const admin = cluster.client.as(await cluster.token('load-admin', ['administrator']));
    await admin.setUpProject(projectId, { researchers, checkers: [] });
    const clients = await Promise.all(researchers.map(async (r) => cluster.client.as(await cluster.token(r, ['researcher']))));

    // Baseline: one request alone on the idle cluster.
    const alone = await submitOne(clients[0], projectId, -1);
    const aloneMs = await waitForReview(db, [alone]).then((t) => t.get(alone) as number);

    const ids: string[] = [];
    let next = 0;
    const started = Date.now();
    await Promise.all(
      clients.map(async (client) => {
        while (next < options.requests) ids.push(await submitOne(client, projectId, next++));
      }),
    );
    const times = await waitForReview(db, ids);
    const wallSeconds = (Date.now() - started) / 1000;
    const drainStart = Date.now();
    let remaining = await consumerLag(kafka);
    while (remaining > 0 && Date.now() - drainStart < 120_000) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      remaining = await consumerLag(kafka);
    }
    const sorted = [...times.values()].sort((a, b) => a - b);
    const report: Omit<LoadReport, 'summary'> = {
      machine: { cpus: os.availableParallelism(), loadAverage1m: { start: loadAtStart, end: os.loadavg()[0] } },
      options,
      reachedReview: times.size,
      wallSeconds,
      throughputPerSecond: times.size / wallSeconds,
      submitToReviewMs: { median: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] },
      singleRequestMs: aloneMs,
      consumerLag: { drainedAfterMs: Date.now() - drainStart, remaining },
    };
    return {
      ...report,
      summary: {
        loadThroughputPerSecond: report.throughputPerSecond,
        loadSubmitToReviewMedianMs: report.submitToReviewMs.median,
        loadSubmitToReviewP99Ms: report.submitToReviewMs.p99,
        singleRequestMs: aloneMs,
        consumerLagAfterDrain: remaining,
      },
    };
  } finally {
    await db.end();
    await cluster.stop();
  }
}

/** Waits (up to 10 minutes) until every request has reached review; returns their times. */
async function waitForReview(db: Client, ids: string[]): Promise<Map<string, number>> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const times = await reviewTimes(db, ids);
    if (times.size === ids.length) return times;
    if (Date.now() > deadline) throw new Error(`${ids.length - times.size} of ${ids.length} requests never reached review`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export function formatLoadReport(r: LoadReport): string {
  const f = (n: number) => n.toFixed(0);
  return [
    `\nLoad: ${r.options.requests} requests from ${r.options.researchers} researchers, ${r.options.instances} instances of each service (${r.machine.cpus} cores)`,
    `  reached awaiting review: ${r.reachedReview} of ${r.options.requests} in ${r.wallSeconds.toFixed(1)} s = ${r.throughputPerSecond.toFixed(1)} requests/s`,
    `  submit -> awaiting review: median ${f(r.submitToReviewMs.median)} ms, p99 ${f(r.submitToReviewMs.p99)} ms, max ${f(r.submitToReviewMs.max)} ms`,
    `  baseline, one request alone on the same cluster: ${f(r.singleRequestMs)} ms`,
    `  consumer lag after the run: ${r.consumerLag.remaining} (waited ${f(r.consumerLag.drainedAfterMs)} ms)\n`,
  ].join('\n');
}
