import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTable, type TableFile } from './table-file';

// `npm run bench` part 3 (issue 4): the disclosure check beside ACRO, in the same run.
//  (a) cells checked per second on a 1000 x 1000 frequency table (checkFile, its own process);
//  (b) a 1 GiB CSV table in a child process: MiB/s, and RSS growth (peak VmHWM minus VmRSS before the
//      check); the summary gives them only when every cell of the file was judged (cellsJudged).
// ACRO runs with this machine's BLAS/OpenMP overrides (OVERRIDES) unset for its command only; it
// reports the OpenBLAS kernel numpy picked, which is recorded with the overrides unset.
// ACRO (PyPI acro, pinned in tools/acro-crosscheck/run.sh) checks the same tables via acro_check.py,
// each under a time cap (AIRLOCK_BENCH_ACRO_TIMEOUT_S, default 900 s) and a memory cap
// (AIRLOCK_BENCH_ACRO_MEMORY_GIB, default 12); a run past either is reported as not finished, with
// how long it ran and its time estimated from its own rate on (a). AIRLOCK_BENCH_QUICK=1 shrinks both tables (200 x 200; 1 MiB).
// AIRLOCK_BENCH_ACRO=0 leaves ACRO out (while iterating on our side: its runs take most of the section).

const REPO = path.resolve(__dirname, '..', '..');
const ACRO_VERSION = '1.0.2';
const MiB = 2 ** 20;

type OurRun = {
  verdict: string;
  findings: { rule: string; verdict: string; cells: number; message?: string }[];
  /** Body cells every frequency rule judged. */
  cellsJudged: number;
  ms: number;
  cpuMs: number;
  rssBeforeBytes: number;
  peakRssBytes: number;
  maxTableCells: number;
};
/** What numpy ran on in ACRO's process (acro_check.py): the OpenBLAS builds, each with the kernel it picked. */
type AcroKernel = {
  numpy: string;
  simdBaseline: string[];
  simdFound: string[];
  openblas: { library: string; config?: string; coreType?: string; threads?: number }[];
  blasOverridesInEnvironment: Record<string, string>;
};
type AcroRun = (
  | {
      finished: true;
      cells: number;
      status: string;
      flagged: Record<string, number>;
      loadMs: number;
      checkMs: number;
      peakRssBytes: number;
    }
  | { finished: false; reason: string; ranMs: number }
) & { overridesUnset: Record<string, string>; kernel: AcroKernel | null };

export type DisclosureReport = {
  benchmark: 'disclosure';
  at: string;
  node: string;
  acro: string;
  quick: boolean;
  machine: { cpus: number; loadAverage1m: number; loadAverage: number[] };
  /** The figures of issue 14; the 1 GiB figures are null unless every cell of the file was judged. */
  summary: {
    csv1GiBMiBPerSecond: number | null;
    csv1GiBRssGrowthMiB: number | null;
    csv1GiBEveryCellJudged: boolean;
    csv1GiBCellsJudged: number;
    csv1GiBCellsInFile: number;
    csv1GiBVerdict: string;
    csv1GiBCpuMiBPerSecond: number;
    /** Cells per second on table (a): 1000 x 1000 (200 x 200 when quick). */
    tableCellsPerSecond: number;
    acroKernel: string | null;
    acroOverridesUnset: Record<string, string>;
  };
  table: { file: string; bytes: number; cells: number; ours: OurRun & { cellsPerSecond: number }; acro: AcroRun; ratios: { speed: number | null } };
  large: {
    file: string;
    bytes: number;
    cells: number;
    ours: OurRun & { bytesPerSecond: number; cellsPerSecond: number };
    acro: AcroRun;
    /** ACRO's time on this table at its own rate on table (a), when it could not finish here. */
    acroEstimateMs: number | null;
    ratios: { peakRss: number | null; time: number | null; timeAtLeast: number | null; timeEstimated: number | null };
  };
};

function ours(file: string, maxTableCells?: number): OurRun {
  const args = ['-r', '@swc-node/register', path.join(__dirname, 'check.child.ts'), file, ...(maxTableCells ? [String(maxTableCells)] : [])];
  const run = spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8', maxBuffer: 16 * MiB });
  if (run.status !== 0) throw new Error(`check.child failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as OurRun;
}

// Variables that steer BLAS and OpenMP libraries (OpenBLAS's core type and threads, GotoBLAS,
// OpenMP, NVIDIA NVPL, MKL, BLIS, Accelerate, numexpr): a machine's own settings, not ACRO's.
const OVERRIDES = /^(OPENBLAS_|GOTO|OMP_|NVPL_|MKL_|BLIS_|VECLIB_|NUMEXPR_)/;

/** This process's environment without the BLAS/OpenMP overrides, and the overrides it drops. */
export function withoutBlasOverrides(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; unset: Record<string, string> } {
  const kept: NodeJS.ProcessEnv = {};
  const unset: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (OVERRIDES.test(name)) unset[name] = value;
    else kept[name] = value;
  }
  return { env: kept, unset };
}

function acro(file: string, timeoutS: number): AcroRun {
  if (process.env.AIRLOCK_BENCH_ACRO === '0') return { finished: false, ranMs: 0, reason: 'left out (AIRLOCK_BENCH_ACRO=0)', overridesUnset: {}, kernel: null };
  const venv = process.env.AIRLOCK_ACRO_VENV || path.join(process.env.AIRLOCK_CACHE || path.join(os.homedir(), '.cache', 'airlock'), 'acro-venv');
  const { env, unset } = withoutBlasOverrides(process.env);
  const ensure = spawnSync('bash', [path.join(REPO, 'tools/acro-crosscheck/ensure-venv.sh'), venv, ACRO_VERSION], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (ensure.status !== 0) return { finished: false, ranMs: 0, reason: 'could not make the acro venv', overridesUnset: unset, kernel: null };
  const started = Date.now();
  const run = spawnSync(path.join(venv, 'bin/python'), [path.join(__dirname, 'acro_check.py'), file], {
    cwd: REPO,
    env,
    encoding: 'utf8',
    timeout: timeoutS * 1000,
    killSignal: 'SIGKILL',
    maxBuffer: 16 * MiB,
  });
  const ranMs = Date.now() - started;
  // acro_check.py's first line: what numpy ran on, printed before the check (so also when cut short).
  const lines = (run.stdout ?? '').trim().split('\n');
  const kernel = lines[0]?.startsWith('{"kernel"') ? (JSON.parse(lines[0]) as { kernel: AcroKernel }).kernel : null;
  if (run.error || run.signal)
    return {
      finished: false,
      ranMs,
      reason: run.signal === 'SIGKILL' ? `did not finish within ${timeoutS} s (AIRLOCK_BENCH_ACRO_TIMEOUT_S)` : String(run.error ?? run.signal),
      overridesUnset: unset,
      kernel,
    };
  if (run.status !== 0)
    return {
      finished: false,
      ranMs,
      reason: `exited ${run.status} after ${(ranMs / 1000).toFixed(0)} s: ${run.stderr.trim().split('\n').pop()}`,
      overridesUnset: unset,
      kernel,
    };
  return { finished: true, ...JSON.parse(lines[lines.length - 1] ?? ''), overridesUnset: unset, kernel };
}

export function runDisclosureBench(outDir: string): DisclosureReport {
  const quick = process.env.AIRLOCK_BENCH_QUICK === '1';
  const timeoutS = Number(process.env.AIRLOCK_BENCH_ACRO_TIMEOUT_S || 900);
  mkdirSync(outDir, { recursive: true });
  const side = quick ? 200 : 1000;
  const table: TableFile = ensureTable(outDir, `disclosure-${side}x${side}.csv`, side, { rows: side });
  const largeBytes = quick ? MiB : 1024 * MiB;
  const large: TableFile = ensureTable(outDir, `disclosure-${largeBytes}.csv`, 1000, { minBytes: largeBytes });

  process.stderr.write(`disclosure: checking ${table.cells} cells (ours, then ACRO)\n`);
  const tableOurs = ours(table.path);
  const tableAcro = acro(table.path, timeoutS);
  process.stderr.write(`disclosure: checking ${large.bytes} bytes (ours, then ACRO)\n`);
  const largeOurs = ours(large.path);
  const largeAcro = acro(large.path, timeoutS);

  const cellsPerSecond = table.cells / (tableOurs.ms / 1000);
  const acroEstimateMs = !largeAcro.finished && tableAcro.finished ? (tableAcro.checkMs / table.cells) * large.cells : null;
  const everyCellJudged = largeOurs.cellsJudged === large.cells;
  const kernel = tableAcro.kernel ?? largeAcro.kernel;
  return {
    benchmark: 'disclosure',
    at: new Date().toISOString(),
    node: process.version,
    acro: ACRO_VERSION,
    quick,
    machine: { cpus: os.availableParallelism(), loadAverage1m: os.loadavg()[0], loadAverage: os.loadavg() },
    summary: {
      csv1GiBMiBPerSecond: everyCellJudged ? large.bytes / MiB / (largeOurs.ms / 1000) : null,
      csv1GiBRssGrowthMiB: everyCellJudged ? (largeOurs.peakRssBytes - largeOurs.rssBeforeBytes) / MiB : null,
      csv1GiBEveryCellJudged: everyCellJudged,
      csv1GiBCellsJudged: largeOurs.cellsJudged,
      csv1GiBCellsInFile: large.cells,
      csv1GiBVerdict: largeOurs.verdict,
      csv1GiBCpuMiBPerSecond: large.bytes / MiB / (largeOurs.cpuMs / 1000),
      tableCellsPerSecond: cellsPerSecond,
      acroKernel: kernel === null ? null : kernel.openblas.map((b) => `${b.library}: ${b.coreType} (${b.threads} threads)`).join('; '),
      acroOverridesUnset: tableAcro.overridesUnset,
    },
    table: {
      file: path.relative(REPO, table.path),
      bytes: table.bytes,
      cells: table.cells,
      ours: { ...tableOurs, cellsPerSecond },
      acro: tableAcro,
      ratios: { speed: tableAcro.finished ? tableAcro.checkMs / tableOurs.ms : null },
    },
    large: {
      file: path.relative(REPO, large.path),
      bytes: large.bytes,
      cells: large.cells,
      ours: { ...largeOurs, bytesPerSecond: large.bytes / (largeOurs.ms / 1000), cellsPerSecond: large.cells / (largeOurs.ms / 1000) },
      acro: largeAcro,
      acroEstimateMs,
      ratios: {
        peakRss: largeAcro.finished ? largeOurs.peakRssBytes / largeAcro.peakRssBytes : null,
        time: largeAcro.finished ? largeAcro.checkMs / largeOurs.ms : null,
        // Killed or out of memory: it ran at least this long, so the true ratio is at least this.
        timeAtLeast: largeAcro.finished ? null : largeAcro.ranMs / largeOurs.ms,
        timeEstimated: acroEstimateMs === null ? null : acroEstimateMs / largeOurs.ms,
      },
    },
  };
}

const mib = (b: number): string => `${(b / MiB).toFixed(1)} MiB`;
const acroText = (a: AcroRun): string =>
  a.finished
    ? `${(a.checkMs / 1000).toFixed(2)} s check (+${(a.loadMs / 1000).toFixed(2)} s load), peak RSS ${mib(a.peakRssBytes)}, status ${a.status}; ${kernelText(a)}`
    : `not finished: ${a.reason}; ${kernelText(a)}`;
const kernelText = (a: AcroRun): string =>
  `${a.kernel === null ? 'kernel not reported' : `numpy ${a.kernel.numpy} on OpenBLAS ${a.kernel.openblas.map((b) => `${b.coreType} kernel, ${b.threads} threads`).join(' / ')}`}; ${overridesText(a)}`;
const overridesText = (a: AcroRun): string => {
  const names = Object.entries(a.overridesUnset).map(([k, v]) => `${k}=${v}`);
  return names.length === 0 ? 'no BLAS/OpenMP overrides were set' : `unset for ACRO: ${names.join(' ')}`;
};

export function formatDisclosureReport(r: DisclosureReport): string {
  const t = r.table;
  const l = r.large;
  const ourFindings = (o: OurRun): string =>
    o.findings.map((f) => `${f.rule} ${f.verdict}${f.cells ? ` (${f.cells} cells)` : ''}${f.message ? `: ${f.message}` : ''}`).join('; ');
  const s = r.summary;
  return [
    `disclosure check vs ACRO ${r.acro}${r.quick ? ' (QUICK)' : ''}; load average ${r.machine.loadAverage.map((n) => n.toFixed(2)).join(' ')}`,
    `(a) ${t.file}: ${t.cells} cells, ${mib(t.bytes)}`,
    `    ours: ${(t.ours.ms / 1000).toFixed(2)} s = ${Math.round(t.ours.cellsPerSecond).toLocaleString('en')} cells/s, peak RSS ${mib(t.ours.peakRssBytes)} (${mib(t.ours.rssBeforeBytes)} before the check); ${t.ours.verdict}: ${ourFindings(t.ours)}`,
    `    ACRO: ${acroText(t.acro)}`,
    `    ratio ACRO check time / ours: ${t.ratios.speed === null ? 'n/a' : `${t.ratios.speed.toFixed(1)}x`}`,
    `(b) ${l.file}: ${mib(l.bytes)}, ${l.cells} cells`,
    `    ours: ${(l.ours.ms / 1000).toFixed(2)} s = ${(l.ours.bytesPerSecond / MiB).toFixed(1)} MiB/s (${s.csv1GiBCpuMiBPerSecond.toFixed(1)} MiB per CPU second), ${Math.round(l.ours.cellsPerSecond).toLocaleString('en')} cells/s; ` +
      `${s.csv1GiBCellsJudged} of the file's ${s.csv1GiBCellsInFile} cells judged${s.csv1GiBEveryCellJudged ? ' (every cell)' : ' (NOT every cell: no summary figures)'}; ` +
      `peak RSS ${mib(l.ours.peakRssBytes)} (${mib(l.ours.rssBeforeBytes)} before the check) for ${mib(l.bytes)} of input; ${l.ours.verdict}: ${ourFindings(l.ours)}`,
    `    ACRO: ${acroText(l.acro)}${l.acroEstimateMs === null ? '' : `; at its rate on (a) it would need about ${(l.acroEstimateMs / 3_600_000).toFixed(1)} h`}`,
    `    ratios: peak RSS ours / ACRO ${l.ratios.peakRss === null ? 'n/a' : l.ratios.peakRss.toFixed(3)}, time ACRO / ours ${
      l.ratios.time !== null
        ? `${l.ratios.time.toFixed(1)}x`
        : `n/a (at least ${l.ratios.timeAtLeast?.toFixed(1)}x measured${l.ratios.timeEstimated === null ? '' : `, about ${l.ratios.timeEstimated.toFixed(0)}x estimated`})`
    }`,
    `summary: ${JSON.stringify(s)}`,
    '',
  ].join('\n');
}

export function writeDisclosureReport(outDir: string, report: DisclosureReport): string {
  const json = path.join(outDir, 'disclosure.json');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  return json;
}
