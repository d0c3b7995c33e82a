import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import os from 'node:os';
import {
  chainedBytes,
  ExportVerifier,
  readChainPages,
  recordLine,
  signCheckpoint,
  generateSigningKey,
  checkpointLine,
  exportHeaderLine,
  verifyStoredChain,
} from '@airlock/access-log';
import { SYSTEM_ACTOR, Topics, type EventEnvelope } from '@airlock/contracts';
import { createDb, runMigrations, type Db } from '@airlock/database';
import { eventStoreMigrations } from '@airlock/event-store';
import { realStack } from '@airlock/testing';
import { AUDIT_WRITER_ROLE, auditLogMigrations } from '../../apps/audit/src/audit-log.migrations';
import { AuditLogRepository, type AppendInput } from '../../apps/audit/src/audit-log.repository';
import { createAuditWriterDb } from '../../apps/audit/src/audit-writer-db';
import { fileLines } from '../../apps/airlock-audit/src/line-reader';

// The audit figures (issues 5 and 14), measured on the real PostgreSQL in a schema of their own:
//  - records appended per second through the audit service's repository, as the writer role:
//    in batches of 5,000 (a consumer catching up; target >= 20,000/s), 64 concurrent deliveries as
//    the Kafka consumer hands them over (group commit; target >= 8,000/s), and one at a time;
//  - the chain verified afterwards (every record, from PostgreSQL), and the seconds that took
//    beside `sha256sum` over the same bytes in the same run (target <= 1.5x); also from an export
//    file and with the CLI in its own process.

export type AuditBenchOptions = {
  /** Default: the real stack's PostgreSQL (AIRLOCK_DATABASE_URL). */
  databaseUrl?: string;
  /** Chain length to verify (default 1,000,000). */
  records?: number;
  /** Appends measured one by one and concurrently (default 20,000 each way, 2,000 one at a time). */
  appends?: number;
  concurrency?: number;
  /** Where the scratch files go (deleted afterwards). Default: bench/out. */
  outDir?: string;
  log?: (line: string) => void;
};

type Verdict = 'PASS' | 'MISS';

export type AuditBenchResult = {
  benchmark: 'audit';
  at: string;
  node: string;
  recordBodyBytes: number;
  append: {
    concurrent: { records: number; concurrency: number; seconds: number; perSecond: number };
    oneAtATime: { records: number; seconds: number; perSecond: number };
    batched: { records: number; batchSize: number; seconds: number; perSecond: number };
  };
  verify: {
    records: number;
    hashedBytes: number;
    fromPostgresSeconds: number;
    fromExportSeconds: number;
    sha256sumSeconds: number;
    exportFileBytes: number;
    sha256sumExportSeconds: number;
    ratioPostgres: number;
    ratioExport: number;
    /** `airlock-audit verify` as its own process: wall time (with its start-up) and peak RSS. */
    cli: { seconds: number; maxRssMiB: number; heapCapMiB: number };
  };
  targets: {
    appendsPerSecondBatched: { min: number; actual: number; verdict: Verdict };
    appendsPerSecondConcurrent: { min: number; actual: number; verdict: Verdict };
    verifyRatio: { max: number; actual: number; verdict: Verdict };
  };
  /** The issue-14 figures, for the README table (bench/README.md). */
  summary: {
    appendsPerSecondBatched: number;
    appendsPerSecondConcurrent: number;
    appendsPerSecondOneAtATime: number;
    /** Every record of the chain built by the appends verified from PostgreSQL (the CLI and the export too). */
    chainIntact: boolean;
    chainRecords: number;
    verifyRatio: number;
    verifySeconds: number;
    sha256sumSeconds: number;
    loadAverage: number[];
  };
};

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/** A request event of realistic size and shape (a file check with a finding). */
function anEvent(n: number): EventEnvelope {
  const requestId = randomUUID();
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: '/airlock/disclosure-check',
    type: 'airlock.request.file-checked.v1',
    subject: requestId,
    time: new Date(Date.UTC(2026, 10, 28) + n).toISOString(),
    datacontenttype: 'application/json',
    streamId: `request-${requestId}`,
    streamVersion: 7,
    actor: SYSTEM_ACTOR,
    correlationId: randomUUID(),
    data: {
      requestId,
      turn: 1,
      fileId: randomUUID(),
      sha256: randomUUID().replace(/-/g, '').repeat(2),
      verdict: 'fail',
      fileType: 'text/csv',
      findings: [
        {
          rule: 'threshold',
          verdict: 'fail',
          cells: [{ row: 0, column: 2, rowLabel: 'A', columnLabel: 'y2024' }],
          message: '1 cell has fewer than 10 contributors',
        },
      ],
      rulesVersion: 'sdc-2026.11',
      policy: { minCellCount: 10, dominance: { n: 2, k: 0.9 } },
      checkedAt: new Date(Date.UTC(2026, 10, 28) + n).toISOString(),
    },
  };
}

const inputs = (count: number, offset: number): AppendInput[] =>
  Array.from({ length: count }, (_, i) => ({ topic: Topics.requestEvents, envelope: anEvent(offset + i), recordedAt: new Date().toISOString() }));

// The CLI's V8 heap is capped: a verifier that held the chain in memory would die, not just swell.
const CLI_HEAP_MIB = 96;

/** The CLI in a process of its own, heap capped, so its peak RSS shows what streaming verification needs. */
function cliVerify(databaseUrl: string, schema: string): { seconds: number; maxRssMiB: number; heapCapMiB: number } {
  const root = path.resolve(__dirname, '..', '..');
  const result = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      'TIME %e %M',
      process.execPath,
      `--max-old-space-size=${CLI_HEAP_MIB}`,
      '-r',
      '@swc-node/register',
      'apps/airlock-audit/src/main.ts',
      'verify',
      '--schema',
      schema,
      '--database-url',
      databaseUrl,
      '--page-size',
      '10000',
    ],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, SWC_NODE_PROJECT: path.join(root, 'tsconfig.json') },
      maxBuffer: 1 << 24,
    },
  );
  const verdict = JSON.parse(result.stdout) as { valid: boolean };
  const timing = /TIME ([\d.]+) (\d+)/.exec(result.stderr);
  if (!verdict.valid || !timing) throw new Error(`airlock-audit verify failed: ${result.stderr}`);
  return { seconds: Number(timing[1]), maxRssMiB: Number(timing[2]) / 1024, heapCapMiB: CLI_HEAP_MIB };
}

function sha256sum(file: string): number {
  const start = process.hrtime.bigint();
  execFileSync('sha256sum', [file], { stdio: ['ignore', 'ignore', 'inherit'] });
  return seconds(start);
}

async function writeLines(file: string, lines: AsyncIterable<string | Buffer>): Promise<number> {
  const out = createWriteStream(file);
  for await (const chunk of lines) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  return statSync(file).size;
}

/** `npm run bench` calls this (bench/run.ts); `bench/audit/run.ts` runs it alone. Needs the real stack up. */
export async function runAuditBench(options: AuditBenchOptions = {}): Promise<AuditBenchResult> {
  const {
    databaseUrl = realStack().databaseUrl,
    records = 1_000_000,
    appends = 20_000,
    concurrency = 64,
    outDir = path.resolve(__dirname, '..', 'out'),
  } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const schema = `bench_audit_${Date.now().toString(36)}`;
  const admin = createDb({ url: databaseUrl, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const owner = createDb({ url: databaseUrl, max: 2, schema });
  let writer: Db | undefined;
  mkdirSync(outDir, { recursive: true });
  const bytesFile = path.join(outDir, 'audit-chain.bytes');
  const exportFile = path.join(outDir, 'audit-chain.jsonl');
  try {
    await runMigrations(owner, [...eventStoreMigrations, ...auditLogMigrations]);
    writer = createAuditWriterDb({ url: databaseUrl, role: AUDIT_WRITER_ROLE, schema, max: 4 });
    const log1 = new AuditLogRepository(writer, { auditTopic: 'bench.audit' });

    // Appends as deliveries arrive: `concurrency` handlers at once, group-committed.
    log(`append: ${appends} records, ${concurrency} concurrent deliveries`);
    const concurrentInputs = inputs(appends, 0);
    let next = 0;
    let start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < concurrentInputs.length) await log1.append(concurrentInputs[next++]);
      }),
    );
    const concurrentSeconds = seconds(start);

    const single = Math.max(1, Math.floor(appends / 10));
    log(`append: ${single} records one at a time`);
    const singleInputs = inputs(single, appends);
    start = process.hrtime.bigint();
    for (const input of singleInputs) await log1.append(input);
    const singleSeconds = seconds(start);

    // The rest of the chain, in batches (a consumer catching up): also a figure of its own.
    const batchSize = 5_000;
    const head = await log1.head();
    const remaining = Math.max(0, records - head.position);
    log(`append: ${remaining} more records in batches of ${batchSize} (building a chain of ${records})`);
    // Only the appends are timed: making up the next batch's events is the bench's work, not the log's.
    let batchedSeconds = 0;
    for (let done = 0; done < remaining; done += batchSize) {
      const batch = inputs(Math.min(batchSize, remaining - done), head.position + done);
      start = process.hrtime.bigint();
      await log1.appendBatch(batch);
      batchedSeconds += seconds(start);
      if ((done / batchSize) % 20 === 0) log(`  ${head.position + done} / ${records}`);
    }
    await owner.query('ANALYZE audit_records');

    // The same bytes the verifier hashes, and an export file, for sha256sum and the offline verifier.
    log('writing the hashed bytes and an export file');
    const { key } = generateSigningKey();
    const last = await log1.head();
    let bodyBytes = 0;
    const hashedBytes = await writeLines(
      bytesFile,
      (async function* () {
        for await (const page of readChainPages(writer, { pageSize: 10_000 })) {
          bodyBytes += page.reduce((sum, l) => sum + Buffer.byteLength(l.body), 0);
          yield Buffer.concat(page.map(chainedBytes));
        }
      })(),
    );
    const exportFileBytes = await writeLines(
      exportFile,
      (async function* () {
        yield exportHeaderLine({ from: 1, to: last.position, filter: {}, exportedAt: new Date().toISOString() });
        yield checkpointLine(signCheckpoint(key, { position: last.position, headHash: last.recordHash }, new Date().toISOString()));
        for await (const page of readChainPages(writer, { pageSize: 10_000 })) yield page.map(recordLine).join('');
      })(),
    );

    log(`verify: ${last.position} records from PostgreSQL`);
    start = process.hrtime.bigint();
    const verdict = await verifyStoredChain(writer, { pageSize: 10_000 });
    const fromPostgresSeconds = seconds(start);
    if (!verdict.valid || verdict.count !== last.position) throw new Error(`bench chain does not verify: ${JSON.stringify(verdict)}`);

    log('verify: the export file, offline');
    start = process.hrtime.bigint();
    const exportVerifier = new ExportVerifier(key.publicKey);
    for await (const line of fileLines(exportFile)) exportVerifier.line(line);
    const exportVerdict = exportVerifier.finish();
    const fromExportSeconds = seconds(start);
    if (!exportVerdict.valid) throw new Error(`bench export does not verify: ${JSON.stringify(exportVerdict)}`);
    log('verify: with `airlock-audit verify` in its own process');
    const cli = cliVerify(databaseUrl, schema);

    log('sha256sum over the same bytes');
    const sha256sumSeconds = sha256sum(bytesFile);
    const sha256sumExportSeconds = sha256sum(exportFile);

    const perSecond = (n: number, s: number) => Math.round(n / s);
    const appendRate = perSecond(appends, concurrentSeconds);
    const batchedRate = remaining ? perSecond(remaining, batchedSeconds) : 0;
    const ratio = fromPostgresSeconds / sha256sumSeconds;
    return {
      benchmark: 'audit',
      at: new Date().toISOString(),
      node: process.version,
      recordBodyBytes: Math.round(bodyBytes / last.position),
      append: {
        concurrent: { records: appends, concurrency, seconds: concurrentSeconds, perSecond: appendRate },
        oneAtATime: { records: single, seconds: singleSeconds, perSecond: perSecond(single, singleSeconds) },
        batched: { records: remaining, batchSize, seconds: batchedSeconds, perSecond: batchedRate },
      },
      verify: {
        records: last.position,
        hashedBytes,
        fromPostgresSeconds,
        fromExportSeconds,
        sha256sumSeconds,
        exportFileBytes,
        sha256sumExportSeconds,
        ratioPostgres: ratio,
        ratioExport: fromExportSeconds / sha256sumExportSeconds,
        cli,
      },
      targets: {
        appendsPerSecondBatched: { min: 20_000, actual: batchedRate, verdict: batchedRate >= 20_000 ? 'PASS' : 'MISS' },
        appendsPerSecondConcurrent: { min: 8_000, actual: appendRate, verdict: appendRate >= 8_000 ? 'PASS' : 'MISS' },
        verifyRatio: { max: 1.5, actual: ratio, verdict: ratio <= 1.5 ? 'PASS' : 'MISS' },
      },
      summary: {
        appendsPerSecondBatched: batchedRate,
        appendsPerSecondConcurrent: appendRate,
        appendsPerSecondOneAtATime: perSecond(single, singleSeconds),
        // Reaching here means all three verifications passed (each throws otherwise).
        chainIntact: verdict.valid && verdict.count === last.position && exportVerdict.valid,
        chainRecords: last.position,
        verifyRatio: Math.round(ratio * 100) / 100,
        verifySeconds: fromPostgresSeconds,
        sha256sumSeconds,
        loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
      },
    };
  } finally {
    await writer?.close();
    await owner.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.close();
    rmSync(bytesFile, { force: true });
    rmSync(exportFile, { force: true });
  }
}

export function formatAuditReport(r: AuditBenchResult): string {
  const f = (n: number, d = 2) => n.toFixed(d);
  const mb = (b: number) => `${f(b / 2 ** 20, 0)} MiB`;
  return [
    `audit: appends (writer role, real PostgreSQL; record body ~${r.recordBodyBytes} bytes)`,
    `  ${r.append.concurrent.concurrency} concurrent deliveries   ${String(r.append.concurrent.perSecond).padStart(8)} records/s  (${r.append.concurrent.records} in ${f(r.append.concurrent.seconds)} s)`,
    `  one at a time               ${String(r.append.oneAtATime.perSecond).padStart(8)} records/s  (${r.append.oneAtATime.records} in ${f(r.append.oneAtATime.seconds)} s)`,
    `  batches of ${r.append.batched.batchSize}           ${String(r.append.batched.perSecond).padStart(8)} records/s  (${r.append.batched.records} in ${f(r.append.batched.seconds)} s)`,
    `audit: verify a chain of ${r.verify.records} records (${mb(r.verify.hashedBytes)} hashed)`,
    `  from PostgreSQL (streamed)  ${f(r.verify.fromPostgresSeconds)} s   = ${f(r.verify.ratioPostgres)} x sha256sum of the same bytes (${f(r.verify.sha256sumSeconds)} s)`,
    `  export file, offline        ${f(r.verify.fromExportSeconds)} s   = ${f(r.verify.ratioExport)} x sha256sum of the file (${mb(r.verify.exportFileBytes)}, ${f(r.verify.sha256sumExportSeconds)} s)`,
    `  airlock-audit verify (CLI)  ${f(r.verify.cli.seconds)} s with start-up, V8 heap capped at ${r.verify.cli.heapCapMiB} MiB, peak RSS ${f(r.verify.cli.maxRssMiB, 0)} MiB`,
    `chain after the appends: ${r.summary.chainIntact ? 'intact' : 'BROKEN'} (${r.summary.chainRecords} records verified); load average ${r.summary.loadAverage.join(' ')}`,
    `targets: batched appends >= ${r.targets.appendsPerSecondBatched.min}/s: ${r.targets.appendsPerSecondBatched.verdict} (${r.targets.appendsPerSecondBatched.actual}); ` +
      `concurrent appends >= ${r.targets.appendsPerSecondConcurrent.min}/s: ${r.targets.appendsPerSecondConcurrent.verdict} (${r.targets.appendsPerSecondConcurrent.actual}); ` +
      `verify <= ${r.targets.verifyRatio.max} x sha256sum: ${r.targets.verifyRatio.verdict} (${f(r.targets.verifyRatio.actual)})`,
    '',
  ].join('\n');
}
