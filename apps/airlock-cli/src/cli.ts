import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { DEFAULT_POLICY, parsePolicy, PolicyError, type DisclosurePolicy } from '@airlock/disclosure-rules';
import { Api, ApiProblem, type RequestView } from './api';
import { CliError, EXIT, decodeJwtClaims, formatBytes, rolesOf, watchEnds, type ExitCode } from './cli-core';
import {
  configDir,
  deviceCodeLogin,
  discoverDeviceFlow,
  knownRequests,
  loadCredentials,
  rememberRequest,
  resolveToken,
  resolveUrl,
  saveCredentials,
  type CliEnv,
} from './credentials';
import { downloadReleased } from './download';
import { BarProgress, PlainProgress } from './progress';
import { collectPushFiles, localChecks, pushFiles, type FileOutcome, type LocalCheck } from './push';

/** Where the CLI reads and writes: injected so that unit tests run it in process. */
export type CliIo = {
  out: (text: string) => void;
  err: (text: string) => void;
  env: CliEnv;
  cwd: string;
  /** Progress bars when stderr is a terminal; plain lines otherwise. */
  isTty: boolean;
  stderr: NodeJS.WritableStream;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
};

type Globals = { url?: string; json?: boolean };

const EXAMPLES = `
Examples:
  $ export AIRLOCK_URL=https://airlock.tre.example/api
  $ airlock login
  $ airlock request create --project cancer-outcomes --title "Survival tables, March"
  $ airlock group set 5f0c… tables --context "5-year survival by region" --controls "cells under 10 suppressed"
  $ airlock push 5f0c… outputs/ --group tables      # checks first, then uploads; run again to resume
  $ airlock submit 5f0c…
  $ airlock status 5f0c… --watch
  $ airlock download 5f0c… --to released/
  $ airlock requests --json

Exit codes:
  0 success          1 unexpected error     2 usage or local file problem
  3 not logged in    4 not found            5 refused by the server (state, name, rights)
  6 SHA-256 mismatch 7 server or network unavailable (push resumes when run again)
  8 watch ended without release             130 interrupted (Ctrl-C)
`;

export function buildProgram(io: CliIo, setExit: (code: ExitCode) => void): Command {
  const program = new Command('airlock')
    .description("Researchers' command line for Airlock: requests, resumable uploads, status and downloads.")
    .option('--url <url>', 'the ingress API (default: AIRLOCK_URL, or the one saved at login)')
    .option('--json', 'print JSON (one document, or one line per change with --watch)')
    .showHelpAfterError()
    .addHelpText('after', EXAMPLES)
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();

  const globals = (): Globals => program.opts<Globals>();
  const print = (json: unknown, text: () => string) => io.out(globals().json ? `${JSON.stringify(json)}\n` : text());
  const session = async () => {
    const saved = await loadCredentials(io.env);
    const url = resolveUrl(globals().url, io.env, saved);
    const token = resolveToken(io.env, saved);
    const api = new Api(url, token, (what, attempt, error) => io.err(`airlock: retrying ${what} (attempt ${attempt}): ${(error as Error).message}\n`));
    const userId = String(decodeJwtClaims(token)['sub'] ?? '');
    return { api, url, userId };
  };

  program
    .command('login')
    .description('Log in: the OIDC device code flow when the issuer offers it, else the token in AIRLOCK_TOKEN')
    .option('--issuer <url>', 'the OIDC issuer (default: AIRLOCK_OIDC_ISSUER)')
    .option('--client-id <id>', 'the OIDC client for the device flow (default: AIRLOCK_OIDC_CLIENT_ID, or airlock-cli)')
    .option('--scope <scope>', 'scopes to ask for', 'openid')
    .addHelpText(
      'after',
      '\nExamples:\n  $ airlock login --url https://airlock.tre.example/api --issuer https://id.tre.example/realms/tre\n  $ AIRLOCK_TOKEN=eyJ… airlock login --url http://localhost:3000\n',
    )
    .action(async (options: { issuer?: string; clientId?: string; scope: string }) => {
      const saved = await loadCredentials(io.env);
      const url = resolveUrl(globals().url, io.env, saved);
      const issuer = options.issuer ?? io.env['AIRLOCK_OIDC_ISSUER'];
      const device = issuer ? await discoverDeviceFlow(issuer) : undefined;
      let token: string;
      let source: 'device-code' | 'environment';
      let how: string;
      if (device) {
        token = await deviceCodeLogin(
          device,
          options.clientId ?? io.env['AIRLOCK_OIDC_CLIENT_ID'] ?? 'airlock-cli',
          options.scope,
          (m) => io.err(`${m}\n`),
          io.sleep,
        );
        source = 'device-code';
        how = `OIDC device code flow at ${issuer}`;
      } else if (io.env['AIRLOCK_TOKEN']) {
        token = io.env['AIRLOCK_TOKEN'];
        source = 'environment';
        how = issuer ? `the token in AIRLOCK_TOKEN (the issuer ${issuer} offers no device code flow)` : 'the token in AIRLOCK_TOKEN (no OIDC issuer given)';
      } else {
        throw new CliError(
          EXIT.auth,
          issuer
            ? `The issuer ${issuer} offers no device code flow; set AIRLOCK_TOKEN to a token from it and run airlock login again`
            : 'No OIDC issuer (--issuer or AIRLOCK_OIDC_ISSUER) and no AIRLOCK_TOKEN: nothing to log in with',
        );
      }
      const claims = decodeJwtClaims(token);
      await saveCredentials(io.env, { url, token, source, ...(issuer ? { issuer } : {}), savedAt: new Date().toISOString() });
      const who = {
        userId: claims['sub'],
        roles: rolesOf(claims),
        expiresAt: typeof claims['exp'] === 'number' ? new Date(claims['exp'] * 1000).toISOString() : undefined,
      };
      print({ loggedIn: true, url, method: source, ...who, savedIn: configDir(io.env) }, () => `Logged in to ${url} as ${String(who.userId)} with ${how}.\n`);
    });

  program
    .command('whoami')
    .description('Who the token says you are, and whether the server accepts it')
    .action(async () => {
      const { api, url } = await session();
      const saved = await loadCredentials(io.env);
      const claims = decodeJwtClaims(resolveToken(io.env, saved));
      // Any request id will do: 404 means the token was accepted, 401 that it was not.
      const accepted = await api.getRequest('00000000-0000-4000-8000-000000000000').then(
        () => true,
        (error: unknown) => {
          if (error instanceof ApiProblem && error.status === 401) return false;
          if (error instanceof ApiProblem) return true;
          throw error;
        },
      );
      const exp = typeof claims['exp'] === 'number' ? new Date(claims['exp'] * 1000).toISOString() : undefined;
      const who = {
        userId: claims['sub'],
        roles: rolesOf(claims),
        issuer: claims['iss'],
        expiresAt: exp,
        url,
        accepted,
        source: io.env['AIRLOCK_TOKEN'] ? 'environment' : saved?.source,
      };
      print(
        who,
        () =>
          `${String(who.userId)} (${who.roles.join(', ') || 'no roles'}) at ${url}\nissuer ${String(who.issuer)}, token expires ${exp ?? 'never'}; ${accepted ? 'the server accepts it' : 'the server REFUSES it: run airlock login'}\n`,
      );
      if (!accepted) setExit(EXIT.auth);
    });

  const request = program.command('request').description('Output requests');
  request
    .command('create')
    .description('Create a draft request in a project')
    .requiredOption('--project <projectId>', 'the project')
    .requiredOption('--title <title>', 'what the outputs are')
    .addHelpText('after', '\nExample:\n  $ airlock request create --project cancer-outcomes --title "Survival tables, March"\n')
    .action(async (options: { project: string; title: string }) => {
      const { api, url, userId } = await session();
      const created = await api.createRequest(options.project, options.title);
      await rememberRequest(io.env, url, userId, created.requestId);
      print(created, () => `${created.requestId}\n`);
    });

  const group = program.command('group').description('Groups of files in a request, each with its context and disclosure controls');
  group
    .command('set')
    .description('Define or change a group')
    .argument('<requestId>')
    .argument('<group>')
    .requiredOption('--context <text>', 'what the files in the group show')
    .requiredOption('--controls <text>', 'the disclosure controls applied')
    .addHelpText('after', '\nExample:\n  $ airlock group set 5f0c… tables --context "Survival by region" --controls "cells under 10 suppressed"\n')
    .action(async (requestId: string, name: string, options: { context: string; controls: string }) => {
      const { api } = await session();
      const view = await api.setGroup(requestId, name, options.context, options.controls);
      print(view, () => `Group ${name} set on ${requestId}.\n`);
    });

  program
    .command('push')
    .description('Check files locally for disclosure risks, then upload them (resumable) into a request')
    .argument('<requestId>')
    .argument('<paths...>', 'files or folders (a folder\'s files are named by their path in it, "/" as "__")')
    .option('--group <group>', 'the group the files join', 'outputs')
    .option('--kind <kind>', 'output, supporting or code (supporting material and code never leave)', 'output')
    .option('--parallel <n>', 'files sent at once', (v) => positiveInt(v, '--parallel'), 3)
    .option('--policy <file>', 'disclosure policy JSON for the local check (default: the built-in defaults)')
    .option('--skip-check', 'upload without the local disclosure check (the service checks anyway)')
    .addHelpText(
      'after',
      '\nRun it again after Ctrl-C or a lost connection: files already in the request are skipped and an\nunfinished upload continues from its last confirmed part.\n\nExamples:\n  $ airlock push 5f0c… outputs/ --group tables\n  $ airlock push 5f0c… table1.csv table2.csv --json\n',
    )
    .action(async (requestId: string, paths: string[], options: { group: string; kind: string; parallel: number; policy?: string; skipCheck?: boolean }) => {
      const files = await collectPushFiles(paths, io.cwd);
      let checks: LocalCheck[] = [];
      if (!options.skipCheck) {
        checks = await localChecks(files, await loadPolicy(options.policy, io.cwd));
        if (!globals().json) io.out(checkReport(checks));
      }
      const { api } = await session();
      const total = files.reduce((sum, f) => sum + f.size, 0);
      if (!globals().json)
        io.out(`Uploading ${files.length} file${files.length === 1 ? '' : 's'} (${formatBytes(total)}) to ${requestId}, group ${options.group}\n`);
      const progress = io.isTty && !globals().json ? new BarProgress(total, io.stderr) : new PlainProgress(total, io.err);
      let outcomes: FileOutcome[];
      try {
        outcomes = await pushFiles(api, requestId, files, {
          group: options.group,
          kind: options.kind,
          parallel: options.parallel,
          signal: io.signal,
          progress,
        });
      } finally {
        progress.stop();
      }
      const failed = outcomes.filter((o) => o.status === 'failed');
      print({ requestId, checks, files: outcomes }, () => pushReport(outcomes));
      if (failed.length > 0) setExit(worst(failed.map((f) => f.error?.exitCode ?? EXIT.error)));
    });

  program
    .command('submit')
    .description('Submit a request for checking and review')
    .argument('<requestId>')
    .action(async (requestId: string) => {
      const { api } = await session();
      const view = await api.submit(requestId);
      print(view, () => `Submitted ${requestId}: ${view.status}\n`);
    });

  program
    .command('status')
    .description("A request's state, files, scan and disclosure findings")
    .argument('<requestId>')
    .option('--watch', 'follow it until it is released, rejected or back with you (one JSON line per change with --json)')
    .option('--interval <ms>', 'how often --watch asks', (v) => positiveInt(v, '--interval'), 2000)
    .addHelpText('after', '\nExamples:\n  $ airlock status 5f0c…\n  $ airlock status 5f0c… --watch --json\n')
    .action(async (requestId: string, options: { watch?: boolean; interval: number }) => {
      const { api } = await session();
      let view = await api.getRequest(requestId);
      const emit = (v: RequestView) => io.out(globals().json ? `${JSON.stringify(v)}\n` : statusReport(v));
      emit(view);
      if (!options.watch) return;
      const startedAt = view.status;
      let seen = `${view.version}`;
      const sleep = io.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
      while (!watchEnds(view.status, startedAt)) {
        if (io.signal.aborted) throw new CliError(EXIT.interrupted, 'Interrupted');
        await sleep(options.interval);
        view = await api.getRequest(requestId);
        // Checks and scans arrive as new versions: each change is shown once.
        const key = `${view.version}|${view.files.map((f) => `${f.scan?.outcome ?? ''}${f.check?.verdict ?? ''}`).join()}`;
        if (key !== seen) {
          seen = key;
          emit(view);
        }
      }
      if (view.status !== 'released') setExit(EXIT.notReleased);
    });

  program
    .command('download')
    .description('Download the released files of a request (single-use links, SHA-256 verified)')
    .argument('<requestId>')
    .option('--to <dir>', 'where to write them', '.')
    .addHelpText('after', '\nExample:\n  $ airlock download 5f0c… --to released/\n')
    .action(async (requestId: string, options: { to: string }) => {
      const { api } = await session();
      const dir = path.resolve(io.cwd, options.to);
      const outcomes = await downloadReleased(api, requestId, dir, (o) => {
        if (!globals().json) io.out(`${o.path}  ${formatBytes(o.size)}  sha256 ${o.sha256}  ${o.status === 'unchanged' ? 'already there' : 'verified'}\n`);
      });
      if (globals().json) io.out(`${JSON.stringify({ requestId, dir, files: outcomes })}\n`);
    });

  program
    .command('requests')
    .description('My requests (those created with this CLI on this machine), with their states')
    .action(async () => {
      const { api, url, userId } = await session();
      const ids = await knownRequests(io.env, url, userId);
      const rows: { requestId: string; status: string; title?: string; files?: number; error?: string }[] = [];
      for (const id of ids) {
        const view = await api.getRequest(id).catch((error: unknown) => {
          if (error instanceof ApiProblem && error.status < 500) return undefined;
          throw error;
        });
        rows.push(view ? { requestId: id, status: view.status, title: view.title, files: view.files.length } : { requestId: id, status: 'unavailable' });
      }
      print({ requests: rows }, () =>
        rows.length === 0
          ? 'No requests yet (airlock request create).\n'
          : rows.map((r) => `${r.requestId}  ${r.status.padEnd(18)} ${r.files ?? '-'} files  ${r.title ?? ''}\n`).join(''),
      );
    });

  return program;
}

function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new CliError(EXIT.usage, `${name} must be a positive whole number`);
  return n;
}

async function loadPolicy(file: string | undefined, cwd: string): Promise<DisclosurePolicy> {
  if (!file) return DEFAULT_POLICY;
  try {
    return parsePolicy(JSON.parse(await readFile(path.resolve(cwd, file), 'utf8')));
  } catch (error) {
    if (error instanceof PolicyError || error instanceof SyntaxError) throw new CliError(EXIT.usage, `The policy ${file}: ${error.message}`);
    throw new CliError(EXIT.usage, `Cannot read the policy ${file}: ${(error as Error).message}`);
  }
}

const worst = (codes: ExitCode[]): ExitCode => codes.reduce((a, b) => (b > a ? b : a), EXIT.ok as ExitCode);

export function checkReport(checks: readonly LocalCheck[]): string {
  const lines = ['Local disclosure check (the service checks again after submit):'];
  for (const c of checks) {
    lines.push(`  ${c.verdict.toUpperCase().padEnd(6)} ${c.name}`);
    for (const f of c.findings) lines.push(`         ${f.rule} (${f.verdict}): ${f.message}`);
  }
  const risky = checks.filter((c) => c.verdict !== 'pass').length;
  lines.push(
    risky === 0 ? '  No findings.' : `  ${risky} file${risky === 1 ? '' : 's'} with findings: a checker will see them; consider fixing before you submit.`,
  );
  return `${lines.join('\n')}\n`;
}

function pushReport(outcomes: readonly FileOutcome[]): string {
  return (
    outcomes
      .map((o) => {
        if (o.status === 'failed') return `FAILED    ${o.name}: ${o.error?.message ?? ''}`;
        const parts =
          o.partCount === undefined ? '' : ` (${o.partsSent} of ${o.partCount} parts sent${o.partsSkipped > 0 ? `, ${o.partsSkipped} already confirmed` : ''})`;
        return `${o.status.toUpperCase().padEnd(9)} ${o.name}  ${formatBytes(o.size)}  sha256 ${o.sha256 ?? ''}${parts}`;
      })
      .join('\n') + '\n'
  );
}

export function statusReport(view: RequestView): string {
  const lines = [`${view.requestId}  ${view.status}${view.reason ? ` (${view.reason})` : ''}  turn ${view.turn}  ${view.title ?? ''}`.trimEnd()];
  for (const f of view.files) {
    const scan = f.scan?.outcome ? ` scan ${f.scan.outcome}` : '';
    const check = f.check ? ` check ${f.check.verdict}` : '';
    const state = f.released ? ' released' : f.blocked ? ' blocked' : '';
    lines.push(`  ${f.name}  ${formatBytes(f.size)}${scan}${check}${state}`);
    for (const finding of f.check?.findings ?? []) lines.push(`    ${finding.rule}${finding.verdict ? ` (${finding.verdict})` : ''}: ${finding.message ?? ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the CLI; never throws: every failure is a message on stderr (or JSON on stdout) and an exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let exit: ExitCode = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exit = code;
  });
  const json = argv.includes('--json');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const failure = error instanceof CliError ? error : new CliError(EXIT.error, `internal error: ${(error as Error)?.stack ?? String(error)}`);
    if (json)
      io.out(`${JSON.stringify({ error: { message: failure.message, code: failure.code, exitCode: failure.exitCode, ...(failure.details ?? {}) } })}\n`);
    io.err(`airlock: ${failure.message}\n`);
    return failure.exitCode;
  }
}
