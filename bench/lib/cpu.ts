import { readdirSync, readFileSync } from 'node:fs';

// CPU seconds used by every process on the machine, grouped by what it is (an airlock service by
// its app folder, else the server's name), from /proc. Two snapshots around a phase of a bench say
// which process spent the cores during it.

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function labelOf(cmdline: string): string {
  const app = /apps\/([a-z-]+)\//.exec(cmdline)?.[1];
  if (app) return app;
  const server = /(postgres|kafka|clamd|versitygw|minio|bench\/run\.ts|jest)/.exec(cmdline)?.[1];
  return server ?? (cmdline.split(' ')[0].split('/').pop() || 'other');
}

export type CpuSnapshot = Map<string, number>;

export function cpuSnapshot(): CpuSnapshot {
  const seconds = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      const label = labelOf(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
      seconds.set(label, (seconds.get(label) ?? 0) + ticks / TICKS_PER_SECOND);
    } catch {
      // the process ended between the listing and the read
    }
  }
  return seconds;
}

/** CPU seconds spent between two snapshots, largest first (processes that ended in between are left out). */
export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const spent = [...after].map(([label, s]) => [label, s - (before.get(label) ?? 0)] as const).filter(([, s]) => s >= 0.01);
  return Object.fromEntries(spent.sort((a, b) => b[1] - a[1]).map(([label, s]) => [label, Math.round(s * 100) / 100]));
}
