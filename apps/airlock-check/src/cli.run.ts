import { collectLocalFiles, localFileInput, LocalFilesError, type LocalFile } from '@airlock/disclosure-files';
import { checkFiles, PolicyError, RULES_VERSION, type DisclosurePolicy, type FileInput, type FileResult } from '@airlock/disclosure-rules';
import { parseArgs, USAGE, UsageError, type CliCommand } from './cli.args';
import { checkAcroResultsDir, writeAcroResults } from './acro-results.writer';
import { checkAgainst } from './differencing.run';
import { loadPolicy } from './policy.loader';
import { ProgressReporter } from './progress.reporter';
import { jsonLine } from './report.json';
import { textReport } from './report.text';

export type ExitCode = 0 | 1 | 2 | 3;

/** Where the CLI reads and writes: injected, so tests run it in-process as well as as a process. */
export type CliIo = {
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Progress goes to stderr when the input is at least this big. */
  progressBytes: number;
  /** ISO time for the ACRO export's timestamps. */
  now: () => string;
};

/** airlock-check: 0 all pass, 1 any fail, 2 none fails but some need review, 3 usage error. */
export const runCli = async (argv: readonly string[], io: CliIo): Promise<ExitCode> => {
  let command: CliCommand;
  let policy: DisclosurePolicy;
  let files: LocalFile[];
  let against: LocalFile[] = [];
  try {
    command = parseArgs(argv);
    if (command.kind === 'help') {
      io.out(`${USAGE}\n`);
      return 0;
    }
    policy = await loadPolicy(command.policyPath, io.cwd);
    const exportProblem = command.acroResultsDir === null ? null : await checkAcroResultsDir(command.acroResultsDir, io.cwd);
    if (exportProblem !== null) throw new UsageError(exportProblem);
    files = await collectLocalFiles(command.paths, io.cwd, (n) => io.err(`airlock-check: skipped ${n.skipped}: ${n.reason}\n`));
    if (command.against.length > 0)
      against = await collectLocalFiles(command.against, io.cwd, (n) => io.err(`airlock-check: skipped ${n.skipped}: ${n.reason}\n`));
  } catch (error) {
    if (error instanceof UsageError || error instanceof PolicyError || error instanceof LocalFilesError) {
      io.err(`airlock-check: ${error.message}\n${error instanceof UsageError ? 'Run airlock-check --help for usage.\n' : ''}`);
      return 3;
    }
    throw error;
  }

  const progress = new ProgressReporter(
    files.reduce((sum, f) => sum + f.size, 0),
    io.progressBytes,
    io.err,
  );
  const inputs: FileInput[] = files.map((file) => {
    const input = localFileInput(file, (n) => progress.bytes(n));
    return { ...input, open: () => (progress.file(file.name), input.open()) };
  });
  let results: FileResult[];
  try {
    results = await checkFiles(inputs, policy);
    results = await checkAgainst(files, results, against, policy, io.cwd);
  } catch (error) {
    // Only a file that cannot be read gets here: the rules turn everything else into findings.
    io.err(`airlock-check: cannot read the files: ${(error as Error).message}\n`);
    return 3;
  }
  progress.done();

  io.out(command.json ? results.map((r) => `${jsonLine(r)}\n`).join('') : textReport(results, policy, RULES_VERSION));
  if (command.acroResultsDir !== null) {
    const written = await writeAcroResults(command.acroResultsDir, io.cwd, files, results, io.now());
    io.err(`airlock-check: wrote ${written} for SACRO-Viewer\n`);
  }
  return exitCode(results);
};

const exitCode = (results: readonly FileResult[]): ExitCode => {
  if (results.some((r) => r.verdict === 'fail')) return 1;
  if (results.some((r) => r.verdict === 'review')) return 2;
  return 0;
};
