export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export const toMiB = (bytes: number): number => bytes / MiB;
export const mibPerSecond = (bytes: number, ms: number): number => toMiB(bytes) / (ms / 1000);

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
