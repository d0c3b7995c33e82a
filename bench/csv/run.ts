import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { csvInputs, formatCsvReport, runCsvBench } from './csv-tokenizer.bench';

// Alone, without the stack: node -r @swc-node/register bench/csv/run.ts
//   AIRLOCK_BENCH_CSV_BYTES  bytes per input (default 64 MiB)   AIRLOCK_BENCH_CSV_RUNS  runs per parser (default 5)
export async function csvBenchSection(outDir: string): Promise<void> {
  const bytes = Number(process.env.AIRLOCK_BENCH_CSV_BYTES || 64 * 2 ** 20);
  const runs = Number(process.env.AIRLOCK_BENCH_CSV_RUNS || 5);
  mkdirSync(outDir, { recursive: true });
  const timings = await runCsvBench(csvInputs(outDir, bytes), runs);
  process.stdout.write(formatCsvReport(timings));
  writeFileSync(path.join(outDir, 'csv.json'), `${JSON.stringify(timings, null, 2)}\n`);
}

if (require.main === module) {
  csvBenchSection(path.join(__dirname, '..', 'out')).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
