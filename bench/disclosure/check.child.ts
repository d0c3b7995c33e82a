import { createReadStream, readFileSync } from 'node:fs';
import { checkFile, DEFAULT_POLICY } from '@airlock/disclosure-rules';

// One check in its own process, so VmHWM is this check's peak: `check.child.ts <file> [maxTableCells]`.
// Prints one JSON line: the verdict, the rules that found something, how many body cells every
// frequency rule judged, the time (wall and CPU) and the memory.

const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) * 1024;

async function main(): Promise<void> {
  const [file, maxCells] = process.argv.slice(2);
  const policy = { ...DEFAULT_POLICY, ...(maxCells ? { maxTableCells: Number(maxCells) } : {}) };
  const rssBeforeBytes = kib('VmRSS');
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const result = await checkFile(file, createReadStream(file, { highWaterMark: 1 << 20 }), policy);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const { user, system } = process.cpuUsage(cpu);
  const findings = result.findings.map((f) => ({
    rule: f.rule,
    verdict: f.verdict,
    cells: f.cellCount ?? f.cells.length,
    message: f.verdict === 'fail' ? undefined : f.message,
  }));
  process.stdout.write(
    `${JSON.stringify({
      verdict: result.verdict,
      findings,
      cellsJudged: result.cellsJudged ?? 0,
      ms,
      cpuMs: (user + system) / 1000,
      rssBeforeBytes,
      peakRssBytes: kib('VmHWM'),
      maxTableCells: policy.maxTableCells,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
