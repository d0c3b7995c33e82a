import { toMiB } from './units';

// A line on stderr every few seconds while a long upload runs: percent, MiB, rate, and the RSS of
// the process being measured.
export type Progress = { update(bytesSoFar: number): void; stop(): void };

export function startProgress(label: string, totalBytes: number, rssBytes: () => number | undefined, everyMs = 5_000): Progress {
  const started = Date.now();
  let done = 0;
  const print = () => {
    const seconds = (Date.now() - started) / 1000;
    let rss: number | undefined;
    try {
      rss = rssBytes();
    } catch {
      rss = undefined;
    } // the process may have just exited
    process.stderr.write(
      `  ${label}: ${((100 * done) / totalBytes).toFixed(0).padStart(3)}%  ${toMiB(done).toFixed(0)}/${toMiB(totalBytes).toFixed(0)} MiB` +
        `  ${(toMiB(done) / Math.max(seconds, 0.001)).toFixed(0)} MiB/s${rss === undefined ? '' : `  rss ${toMiB(rss).toFixed(0)} MiB`}  ${seconds.toFixed(0)} s\n`,
    );
  };
  const timer = setInterval(print, everyMs);
  return {
    update(bytesSoFar) {
      done = bytesSoFar;
    },
    stop() {
      clearInterval(timer);
      print();
    },
  };
}
