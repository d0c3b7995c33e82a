import { runCli } from './cli.run';

// Big inputs report progress on stderr; tests lower the bar to see it.
const PROGRESS_BYTES = Number(process.env.AIRLOCK_CHECK_PROGRESS_BYTES ?? 64 * 2 ** 20);

runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  progressBytes: Number.isFinite(PROGRESS_BYTES) ? PROGRESS_BYTES : 64 * 2 ** 20,
  now: () => new Date().toISOString(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`airlock-check: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 3;
  },
);
