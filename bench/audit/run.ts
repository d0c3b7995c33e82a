import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatAuditReport, runAuditBench } from './audit.bench';

// Runnable alone: `node -r @swc-node/register bench/audit/run.ts` (the real stack must be up).
//   AIRLOCK_BENCH_AUDIT_RECORDS   chain length to verify (default 1,000,000)
//   AIRLOCK_BENCH_AUDIT_APPENDS   appends measured concurrently (default 20,000; a tenth one at a time)
const OUT_DIR = path.resolve(__dirname, '..', 'out');

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

async function main(): Promise<void> {
  const result = await runAuditBench({
    records: positiveInt('AIRLOCK_BENCH_AUDIT_RECORDS', 1_000_000),
    appends: positiveInt('AIRLOCK_BENCH_AUDIT_APPENDS', 20_000),
    outDir: OUT_DIR,
  });
  process.stdout.write(formatAuditReport(result));
  const json = path.join(OUT_DIR, 'audit.json');
  writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`written to ${path.relative(process.cwd(), json)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`audit bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
