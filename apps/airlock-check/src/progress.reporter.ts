/**
 * Progress on stderr for big inputs (stdout stays the report): how much of the input has been
 * read, at most once a second, nothing at all when the input is small.
 */
export class ProgressReporter {
  private read = 0;
  private lastAt = 0;
  private current = '';
  private shown = false;

  constructor(
    private readonly total: number,
    private readonly threshold: number,
    private readonly write: (text: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  file(name: string): void {
    this.current = name;
  }

  bytes(n: number): void {
    this.read += n;
    if (this.total < this.threshold) return;
    const at = this.now();
    if (at - this.lastAt < 1000 && this.read < this.total) return;
    this.lastAt = at;
    this.shown = true;
    const percent = this.total === 0 ? 100 : Math.floor((100 * this.read) / this.total);
    this.write(`airlock-check: read ${size(this.read)} of ${size(this.total)} (${percent}%), checking ${this.current}\n`);
  }

  done(): void {
    if (this.shown) this.write(`airlock-check: read ${size(this.read)}, done\n`);
  }
}

const size = (bytes: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
};
