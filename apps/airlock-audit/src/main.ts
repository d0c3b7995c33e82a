import { runAuditCli } from './audit-cli';

// `npx airlock-audit ...` (packages/airlock-audit/bin launches this file).
runAuditCli(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`airlock-audit: ${String((error as Error)?.stack ?? error)}\n`);
    process.exitCode = 2;
  },
);
