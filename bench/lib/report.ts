import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { UploadMeasurement, UploadSide } from '../upload/upload-measurement';
import { median, mibPerSecond, toMiB } from './units';

// The upload benchmark's result: medians per side, the two ratios against the direct upload,
// and the targets, as a table for people and as JSON for tools.

export const TARGETS = { ingressPeakRssMiB: 150, throughputRatio: 0.8 } as const;

export type SideSummary = { mibPerSecond: number; durationMs: number; idleRssMiB: number; peakRssMiB: number };
type Verdict = 'PASS' | 'MISS';

export type UploadReport = {
  benchmark: 'upload';
  at: string;
  node: string;
  /** Other work on the machine skews throughput (and GC timing): the 1-minute load before and after. */
  machine: { cpus: number; loadAverage1m: { start: number; end: number } };
  file: { path: string; bytes: number; sha256: string };
  s3: { endpoint: string; bucket: string; partSizeBytes: number; queueSize: number };
  runsPerSide: number;
  ingressPeakResetPerRun: boolean;
  runs: (UploadMeasurement & { mibPerSecond: number })[];
  median: Record<UploadSide, SideSummary>;
  ratios: { throughput: number; peakRss: number };
  targets: {
    ingressPeakRss: { maxMiB: number; actualMiB: number; verdict: Verdict };
    throughputRatio: { min: number; actual: number; verdict: Verdict };
  };
  /** `airlock push` of the same file (bench/run.ts), beside the direct upload's median. */
  cli?: { runs: unknown[]; medianMiBPerSecond: number; throughputRatio: number; peakRssMiB: number };
  /** One more ingress upload of a much larger file (10 GiB by default), for flat memory. */
  flat?: UploadMeasurement;
  /** Issue 14's figures: ingress / direct throughput, and ingress RSS growth during an upload. */
  summary?: { throughputRatio: number; rssGrowthMiB: number; rssGrowth10GiBMiB: number | null };
};

export function summarise(side: UploadSide, runs: readonly UploadMeasurement[]): SideSummary {
  const mine = runs.filter((r) => r.side === side);
  return {
    mibPerSecond: median(mine.map((r) => mibPerSecond(r.bytes, r.durationMs))),
    durationMs: median(mine.map((r) => r.durationMs)),
    idleRssMiB: median(mine.map((r) => toMiB(r.idleRssBytes))),
    peakRssMiB: median(mine.map((r) => toMiB(r.peakRssBytes))),
  };
}

export function buildReport(
  base: Omit<UploadReport, 'benchmark' | 'at' | 'node' | 'runs' | 'median' | 'ratios' | 'targets'>,
  runs: readonly UploadMeasurement[],
): UploadReport {
  const median = { ingress: summarise('ingress', runs), direct: summarise('direct', runs) };
  const ratios = {
    throughput: median.ingress.mibPerSecond / median.direct.mibPerSecond,
    peakRss: median.ingress.peakRssMiB / median.direct.peakRssMiB,
  };
  return {
    benchmark: 'upload',
    at: new Date().toISOString(),
    node: process.version,
    ...base,
    runs: runs.map((r) => ({ ...r, mibPerSecond: mibPerSecond(r.bytes, r.durationMs) })),
    median,
    ratios,
    targets: {
      ingressPeakRss: {
        maxMiB: TARGETS.ingressPeakRssMiB,
        actualMiB: median.ingress.peakRssMiB,
        verdict: median.ingress.peakRssMiB < TARGETS.ingressPeakRssMiB ? 'PASS' : 'MISS',
      },
      throughputRatio: { min: TARGETS.throughputRatio, actual: ratios.throughput, verdict: ratios.throughput >= TARGETS.throughputRatio ? 'PASS' : 'MISS' },
    },
  };
}

const num = (value: number, digits = 1) => value.toFixed(digits);
const row = (cells: string[], widths: number[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');

export function formatReport(report: UploadReport): string {
  const { ingress, direct } = report.median;
  const widths = [24, 10, 10, 17];
  const runLines = report.runs.map(
    (r) =>
      `  ${r.side.padEnd(7)} run ${r.run}: ${num(r.mibPerSecond).padStart(7)} MiB/s  ${num(r.durationMs / 1000, 2).padStart(6)} s` +
      `  idle ${num(toMiB(r.idleRssBytes)).padStart(6)} MiB  peak ${num(toMiB(r.peakRssBytes)).padStart(6)} MiB` +
      (r.bodySentMs === undefined ? '' : `  (body sent at ${num(r.bodySentMs / 1000, 2)} s)`),
  );
  const { ingressPeakRss: rssTarget, throughputRatio: speedTarget } = report.targets;
  return [
    '',
    `Upload of ${num(toMiB(report.file.bytes), 0)} MiB to ${report.s3.endpoint} (${report.s3.bucket}), part ${num(toMiB(report.s3.partSizeBytes), 0)} MiB x queue ${report.s3.queueSize}, ${report.runsPerSide} runs per side, alternating`,
    ...runLines,
    '',
    row(['median', 'ingress', 'direct', 'ingress / direct'], widths),
    row(['throughput (MiB/s)', num(ingress.mibPerSecond), num(direct.mibPerSecond), num(report.ratios.throughput, 2)], widths),
    row(['duration (s)', num(ingress.durationMs / 1000, 2), num(direct.durationMs / 1000, 2), ''], widths),
    row(['peak RSS, VmHWM (MiB)', num(ingress.peakRssMiB), num(direct.peakRssMiB), num(report.ratios.peakRss, 2)], widths),
    row(['idle RSS before (MiB)', num(ingress.idleRssMiB), num(direct.idleRssMiB), ''], widths),
    '',
    `throughput ratio (ingress / direct): ${num(report.ratios.throughput, 2)}   target >= ${speedTarget.min}: ${speedTarget.verdict}`,
    `peak RSS ratio (ingress / direct):   ${num(report.ratios.peakRss, 2)}`,
    `ingress peak RSS: ${num(rssTarget.actualMiB)} MiB   target < ${rssTarget.maxMiB} MiB: ${rssTarget.verdict}`,
    ...(report.ingressPeakResetPerRun ? [] : ['(the kernel refused to reset VmHWM: ingress peaks are lifetime peaks, not per run)']),
    machineLine(report.machine),
    '',
  ].join('\n');
}

function machineLine({ cpus, loadAverage1m: { start, end } }: UploadReport['machine']): string {
  // The end figure includes this run's own work (ingress, the S3 server, the client); the start does not.
  const line = `load average (1 min) ${num(start, 2)} before the run, ${num(end, 2)} after it (with its own work), on ${cpus} CPUs`;
  return start >= cpus ? `${line}: the machine was busy before the run, so throughput especially is noisy` : line;
}

export function writeReport(file: string, report: UploadReport): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
