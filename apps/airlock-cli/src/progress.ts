import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { crossedTenth, etaSeconds, formatBytes, formatDuration, formatRate } from './cli-core';

/** What a push reports as it goes: bytes per file and in total. */
export type PushProgress = {
  file(name: string, size: number, alreadyConfirmed: number): void;
  bytes(name: string, n: number): void;
  done(name: string, note: string): void;
  failed(name: string, message: string): void;
  stop(): void;
};

type Counter = { size: number; done: number; startedAt: number; sentAtStart: number };

function line(label: string, c: Counter, now: number): string {
  const sent = c.done - c.sentAtStart;
  const elapsed = now - c.startedAt;
  const pct = c.size === 0 ? 100 : Math.floor((c.done * 100) / c.size);
  return `${label}: ${pct}% ${formatBytes(c.done)}/${formatBytes(c.size)} ${formatRate(sent, elapsed)} ${formatDuration(etaSeconds(sent, c.size - c.sentAtStart, elapsed) ?? NaN)} left`;
}

/** Not a terminal: a line each time a file crosses another tenth, and one per finished file with the total. */
export class PlainProgress implements PushProgress {
  private readonly files = new Map<string, Counter>();
  private readonly total: Counter;

  constructor(
    totalBytes: number,
    private readonly write: (text: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.total = { size: totalBytes, done: 0, startedAt: now(), sentAtStart: 0 };
  }

  file(name: string, size: number, alreadyConfirmed: number): void {
    this.files.set(name, { size, done: alreadyConfirmed, startedAt: this.now(), sentAtStart: alreadyConfirmed });
    this.total.done += alreadyConfirmed;
    this.total.sentAtStart += alreadyConfirmed;
    this.write(
      alreadyConfirmed > 0
        ? `${name}: resuming, ${formatBytes(alreadyConfirmed)} of ${formatBytes(size)} already confirmed\n`
        : `${name}: uploading ${formatBytes(size)}\n`,
    );
  }

  bytes(name: string, n: number): void {
    const c = this.files.get(name);
    if (!c) return;
    const before = c.done;
    c.done += n;
    this.total.done += n;
    if (crossedTenth(before, c.done, c.size) && c.done < c.size) this.write(`${line(name, c, this.now())}\n`);
  }

  done(name: string, note: string): void {
    this.write(`${name}: ${note}\n${line('total', this.total, this.now())}\n`);
  }

  failed(name: string, message: string): void {
    this.write(`${name}: failed: ${message}\n`);
  }

  stop(): void {
    // Every line is written as it happens: nothing to end.
  }
}

/** A terminal: one bar per file being sent and one for the total (bytes, rate, time left). */
export class BarProgress implements PushProgress {
  private readonly multi: MultiBar;
  private readonly bars = new Map<string, { bar: SingleBar; counter: Counter }>();
  private readonly totalBar: SingleBar;
  private readonly total: Counter;

  constructor(totalBytes: number, stream: NodeJS.WritableStream) {
    this.multi = new MultiBar(
      { stream, format: '{label} |{bar}| {percentage}% {bytes} {rate} {eta}', hideCursor: true, clearOnComplete: false, autopadding: true, fps: 5 },
      Presets.shades_classic,
    );
    this.total = { size: totalBytes, done: 0, startedAt: Date.now(), sentAtStart: 0 };
    this.totalBar = this.multi.create(Math.max(1, totalBytes), 0, this.payload('total', this.total));
  }

  private payload(label: string, c: Counter) {
    const sent = c.done - c.sentAtStart;
    const elapsed = Date.now() - c.startedAt;
    const eta = etaSeconds(sent, c.size - c.sentAtStart, elapsed);
    return {
      label: label.length > 28 ? `…${label.slice(-27)}` : label.padEnd(28),
      bytes: `${formatBytes(c.done)}/${formatBytes(c.size)}`,
      rate: formatRate(sent, elapsed),
      eta: eta === undefined ? '' : `${formatDuration(eta)} left`,
    };
  }

  file(name: string, size: number, alreadyConfirmed: number): void {
    const counter = { size, done: alreadyConfirmed, startedAt: Date.now(), sentAtStart: alreadyConfirmed };
    this.total.done += alreadyConfirmed;
    this.total.sentAtStart += alreadyConfirmed;
    this.bars.set(name, { bar: this.multi.create(Math.max(1, size), alreadyConfirmed, this.payload(name, counter)), counter });
  }

  bytes(name: string, n: number): void {
    const entry = this.bars.get(name);
    if (!entry) return;
    entry.counter.done += n;
    this.total.done += n;
    entry.bar.update(entry.counter.done, this.payload(name, entry.counter));
    this.totalBar.update(this.total.done, this.payload('total', this.total));
  }

  done(name: string, note: string): void {
    const entry = this.bars.get(name);
    if (entry) entry.bar.update(entry.counter.size, { ...this.payload(name, entry.counter), eta: note });
  }

  failed(name: string, message: string): void {
    const entry = this.bars.get(name);
    if (entry) entry.bar.update(entry.counter.done, { ...this.payload(name, entry.counter), eta: `failed: ${message}` });
  }

  stop(): void {
    this.totalBar.update(this.total.done, this.payload('total', this.total));
    this.multi.stop();
  }
}
