import { runCli } from './cli';
import { EXIT } from './cli-core';

// `airlock ...` (packages/airlock-cli/bin/airlock.js launches this file, compiled or not).
const interrupt = new AbortController();
process.once('SIGINT', () => {
  process.stderr.write('\nairlock: interrupted; confirmed parts are kept, run the same command again to continue\n');
  interrupt.abort();
  // A second Ctrl-C, or a call that does not notice the abort, still ends the process.
  process.once('SIGINT', () => process.exit(EXIT.interrupted));
  setTimeout(() => process.exit(EXIT.interrupted), 3_000).unref();
});

runCli(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  cwd: process.cwd(),
  isTty: Boolean(process.stderr.isTTY),
  stderr: process.stderr,
  signal: interrupt.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`airlock: ${String((error as Error)?.stack ?? error)}\n`);
    process.exitCode = EXIT.error;
  },
);
