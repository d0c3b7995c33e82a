import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatAuditReport, runAuditBench } from './audit/audit.bench';
import { S3Client } from '@aws-sdk/client-s3';
import { realStack } from '@airlock/testing';
import { formatLoadReport, runLoadBench } from './load/load.bench';
import { formatPipelineReport, runPipelineBench } from './pipeline/pipeline.bench';
import { formatDisclosureReport, runDisclosureBench, writeDisclosureReport } from './disclosure/disclosure.bench';
import { csvBenchSection } from './csv/run';
import { formatGridReport, runGridBench } from './workbench/grid.bench';
import { formatDifferencingReport, runDifferencingBench } from './differencing/differencing.bench';
import { buildReport, formatReport, writeReport } from './lib/report';
import { deletePrefix, STORE_UPLOAD, storeClientConfig } from './lib/s3';
import { ensureTestFile } from './lib/test-file';
import { GiB } from './lib/units';
import { DirectUploadBench } from './upload/direct-upload.bench';
import { IngressUploadBench } from './upload/ingress-upload.bench';
import type { UploadMeasurement } from './upload/upload-measurement';

// `npm run bench` (via bench/run.sh, which starts the real stack first): a file uploaded through
// ingress into the S3 server, against the same file uploaded straight to that server with
// lib-storage, alternating sides. Prints a table and writes bench/out/upload.json.
//
//   AIRLOCK_BENCH_BYTES        file size in bytes (default 1 GiB; e.g. 67108864 for a quick run)
//   AIRLOCK_BENCH_RUNS         uploads per side (default 3, at least 2)
//   AIRLOCK_BENCH_FLAT_BYTES   one more ingress upload of this size, for RSS growth on a large
//                              file (default 10 GiB; 0 leaves it out)

const OUT_DIR = path.join(__dirname, 'out');

function positiveInt(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

// AIRLOCK_BENCH_ONLY=upload,disclosure,csv,differencing,audit,load,pipeline,workbench picks sections (default: all eight).
const ONLY = new Set((process.env.AIRLOCK_BENCH_ONLY || 'upload,disclosure,csv,differencing,audit,load,pipeline,workbench').split(',').map((s) => s.trim()));

async function main(): Promise<void> {
  if (ONLY.has('upload')) await uploadBench();
  if (ONLY.has('disclosure')) {
    // Disclosure check beside ACRO (bench/disclosure; AIRLOCK_BENCH_QUICK=1 for small tables).
    const disclosure = runDisclosureBench(OUT_DIR);
    process.stdout.write(formatDisclosureReport(disclosure));
    process.stdout.write(`written to ${path.relative(process.cwd(), writeDisclosureReport(OUT_DIR, disclosure))}\n`);
  }
  // Our CSV tokenizer beside csv-parse on the same bytes (bench/csv; docs/adr/0009).
  if (ONLY.has('csv')) await csvBenchSection(OUT_DIR);
  if (ONLY.has('workbench')) {
    // The checkers' grid on 1,000,000 cells in headless Chromium: first paint and the jump to the next finding.
    const grid = await runGridBench();
    process.stdout.write(formatGridReport(grid));
    mkdirSync(OUT_DIR, { recursive: true });
    writeFileSync(path.join(OUT_DIR, 'workbench-grid.json'), `${JSON.stringify(grid, null, 2)}\n`);
  }
  if (ONLY.has('differencing')) {
    // A new 1,000-cell table against 10,000 released tables in the database (bench/differencing).
    const differencing = await runDifferencingBench(positiveInt('AIRLOCK_BENCH_DIFFERENCING_RUNS', 21));
    process.stdout.write(formatDifferencingReport(differencing));
    mkdirSync(OUT_DIR, { recursive: true });
    writeFileSync(path.join(OUT_DIR, 'differencing.json'), `${JSON.stringify(differencing, null, 2)}\n`);
  }
  if (ONLY.has('audit')) {
    // Audit appends per second, and verifying a chain of 1,000,000 records beside sha256sum.
    const audit = await runAuditBench({
      records: positiveInt('AIRLOCK_BENCH_AUDIT_RECORDS', 1_000_000),
      appends: positiveInt('AIRLOCK_BENCH_AUDIT_APPENDS', 20_000),
      outDir: OUT_DIR,
    });
    process.stdout.write(formatAuditReport(audit));
    writeFileSync(path.join(OUT_DIR, 'audit.json'), `${JSON.stringify(audit, null, 2)}\n`);
  }
  if (ONLY.has('load')) {
    // 1,000 requests from 50 researchers against two instances of every service (bench/load).
    const load = await runLoadBench({
      requests: positiveInt('AIRLOCK_BENCH_LOAD_REQUESTS', 1000),
      researchers: positiveInt('AIRLOCK_BENCH_LOAD_RESEARCHERS', 50),
      instances: 2,
      basePort: 3900,
    });
    process.stdout.write(formatLoadReport(load));
    mkdirSync(OUT_DIR, { recursive: true });
    writeFileSync(path.join(OUT_DIR, 'load.json'), `${JSON.stringify(load, null, 2)}\n`);
  }
  if (ONLY.has('pipeline')) await pipelineSection();
}

async function pipelineSection(): Promise<void> {
  // Submit -> awaiting review: 50 at once, one alone, and a 1 GiB file beside clamd + SHA-256 (bench/pipeline).
  const pipeline = await runPipelineBench({
    concurrent: positiveInt('AIRLOCK_BENCH_PIPELINE_REQUESTS', 50),
    singleRuns: positiveInt('AIRLOCK_BENCH_PIPELINE_SINGLE_RUNS', 5),
    largeBytes: positiveInt('AIRLOCK_BENCH_PIPELINE_LARGE_BYTES', 1024 * 1024 * 1024),
    basePort: 3960,
    outDir: OUT_DIR,
  });
  process.stdout.write(formatPipelineReport(pipeline));
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(path.join(OUT_DIR, 'pipeline.json'), `${JSON.stringify(pipeline, null, 2)}\n`);
}

async function uploadBench(): Promise<void> {
  const bytes = positiveInt('AIRLOCK_BENCH_BYTES', GiB);
  const runsPerSide = positiveInt('AIRLOCK_BENCH_RUNS', 3, 2);
  const stack = realStack();
  const bucketPrefix = process.env.AIRLOCK_S3_BUCKET_PREFIX || 'airlock-';
  const bucket = `${bucketPrefix}draft`;
  const directKeys = 'bench/direct-upload/';

  const file = ensureTestFile(OUT_DIR, bytes);
  const loadAtStart = os.loadavg()[0];
  const clientConfig = storeClientConfig(stack);
  const s3 = new S3Client(clientConfig);
  // Ingress first: it creates the buckets if this S3 server has none yet.
  const ingress = await IngressUploadBench.start({ stack, s3, bucketPrefix, logLevel: process.env.AIRLOCK_LOG_LEVEL || 'warn' });
  const measurements: UploadMeasurement[] = [];
  let flat: UploadMeasurement | undefined;
  const cliRuns: Awaited<ReturnType<IngressUploadBench['cliPush']>>[] = [];
  try {
    const direct = new DirectUploadBench({ outDir: OUT_DIR, client: clientConfig, s3, bucket, keyPrefix: directKeys, ...STORE_UPLOAD });
    const sides = [(run: number) => direct.upload(file, run), (run: number) => ingress.upload(file, run)];
    process.stderr.write(`ingress pid ${ingress.pid}; ${runsPerSide} uploads per side\n`);
    for (let run = 1; run <= runsPerSide; run++) {
      // direct, ingress | ingress, direct | ...: neither side always gets the warmer cache.
      for (const upload of run % 2 ? sides : [...sides].reverse()) measurements.push(await upload(run));
    }
    // The researchers' CLI pushing the same file (checks first, then resumable parts), after the
    // two sides above; AIRLOCK_BENCH_CLI=0 leaves it out.
    if (process.env.AIRLOCK_BENCH_CLI !== '0') for (let run = 1; run <= runsPerSide; run++) cliRuns.push(await ingress.cliPush(file, run));
    // Memory stays flat however large the file: the same ingress process takes a much larger one.
    const flatBytes = positiveInt('AIRLOCK_BENCH_FLAT_BYTES', 10 * GiB, 0);
    if (flatBytes > 0) flat = await ingress.upload(ensureTestFile(OUT_DIR, flatBytes), 1);
  } finally {
    await ingress.stop();
    await deletePrefix(s3, bucket, directKeys); // whatever a failed run left behind
    s3.destroy();
  }

  const report = buildReport(
    {
      machine: { cpus: os.availableParallelism(), loadAverage1m: { start: loadAtStart, end: os.loadavg()[0] } },
      file: { path: path.relative(process.cwd(), file.path), bytes: file.bytes, sha256: file.sha256 },
      s3: { endpoint: stack.s3.endpoint, bucket, partSizeBytes: STORE_UPLOAD.partSize, queueSize: STORE_UPLOAD.queueSize },
      runsPerSide,
      ingressPeakResetPerRun: ingress.peakResets,
    },
    measurements,
  );
  process.stdout.write(formatReport(report));
  const cli = cliRuns.length === 0 ? undefined : cliSummary(cliRuns, report.median.direct.mibPerSecond);
  if (cli) {
    process.stdout.write(
      `CLI push (airlock push: local checks, then parts): median ${cli.medianMiBPerSecond.toFixed(1)} MiB/s = ${cli.throughputRatio.toFixed(2)} x the direct upload; CLI peak RSS ${cli.peakRssMiB.toFixed(1)} MiB\n`,
    );
  }
  const mib = (bytes: number) => bytes / 1024 / 1024;
  const growth = (m: UploadMeasurement) => mib(m.peakRssBytes - m.idleRssBytes);
  const ingressRuns = measurements.filter((m) => m.side === 'ingress');
  const summary = {
    throughputRatio: report.ratios.throughput,
    /** Median over the ingress runs of (peak RSS during the upload - RSS just before it). */
    rssGrowthMiB: [...ingressRuns.map(growth)].sort((a, b) => a - b)[Math.floor((ingressRuns.length - 1) / 2)],
    rssGrowth10GiBMiB: flat ? growth(flat) : null,
  };
  if (flat) {
    const flatMiBps = mib(flat.bytes) / (flat.durationMs / 1000);
    process.stdout.write(
      `flat memory: ${(flat.bytes / GiB).toFixed(0)} GiB through ingress at ${flatMiBps.toFixed(1)} MiB/s, RSS ${mib(flat.idleRssBytes).toFixed(1)} MiB before, peak ${mib(flat.peakRssBytes).toFixed(1)} MiB: growth ${growth(flat).toFixed(1)} MiB (${report.file.bytes / GiB} GiB runs: ${summary.rssGrowthMiB.toFixed(1)} MiB)\n`,
    );
  }
  const json = path.join(OUT_DIR, 'upload.json');
  writeReport(json, { ...report, ...(cli ? { cli } : {}), ...(flat ? { flat } : {}), summary });
  process.stdout.write(`written to ${path.relative(process.cwd(), json)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

function cliSummary(runs: { run: number; durationMs: number; mibPerSecond: number; peakRssMiB: number }[], directMiBPerSecond: number) {
  const middle = <T>(values: T[], key: (v: T) => number) => [...values].map(key).sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
  const medianMiBPerSecond = middle(runs, (r) => r.mibPerSecond);
  return { runs, medianMiBPerSecond, throughputRatio: medianMiBPerSecond / directMiBPerSecond, peakRssMiB: middle(runs, (r) => r.peakRssMiB) };
}
