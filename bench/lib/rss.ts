import { readFileSync, writeFileSync } from 'node:fs';

// Memory of another process as the Linux kernel accounts it: VmRSS now, VmHWM its peak.

export type MemorySample = { rssBytes: number; peakRssBytes: number };

const KIB = 1024;

export function readMemory(pid: number): MemorySample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${name} (is this Linux?)`);
    return Number(match[1]) * KIB;
  };
  return { rssBytes: field('VmRSS'), peakRssBytes: field('VmHWM') };
}

/**
 * Resets the process's VmHWM to its current RSS (`echo 5 > /proc/<pid>/clear_refs`, Linux 4.0+),
 * so a long-lived process's peak can be measured per upload. False if the kernel refused.
 */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
