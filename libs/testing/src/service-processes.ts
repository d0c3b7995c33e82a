import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';

// Starts the airlock's services as separate OS processes, as in production, for e2e tests.
export type ServiceName = 'ingress' | 'egress-review' | 'disclosure-check' | 'audit';

export type ServiceProcess = {
  name: ServiceName;
  url: string;
  process: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
};

const ROOT = path.resolve(__dirname, '../../..');

// Every service process still running. A test run that ends early (a failed beforeAll, a forced
// exit) must not leave services behind: they hold the runner open and the ports taken.
const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));

/**
 * How services are run in production (deploy/docker/Dockerfile and the service:* scripts have the
 * same): a small young generation makes V8 collect upload buffers sooner, which keeps a streaming
 * service's memory flat (measured by npm run bench, ingress peak RSS on a 1 GiB upload: 217 -> 175
 * MiB with 2 MiB semi-spaces; with the store's own multipart loop, 133 -> 123-128 MiB going from 2 to 1).
 */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=1'];

/** Compiles apps and libs to dist/ (tools/build.js), as production does; e2e runs call it once. */
export function buildServices(): void {
  execFileSync(process.execPath, [path.join(ROOT, 'tools', 'build.js')], { cwd: ROOT, stdio: 'ignore' });
}

/**
 * The audit checkpoint key (Ed25519, PKCS#8 PEM) for AIRLOCK_AUDIT_SIGNING_KEY_FILE, copied into a
 * temporary directory of its own (the caller removes it): with real servers the audit service
 * refuses to start without one. Every run on one local stack signs with the same key, kept in the
 * stack's directory: the e2e runs share the stack's audit chain, and verification fails on a
 * checkpoint signed by a key that is neither current nor retired (docs/operations.md).
 */
export function writeTestAuditSigningKey(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'airlock-audit-key-')), 'audit-signing-key.pem');
  writeFileSync(file, stackAuditSigningKey(), { mode: 0o600 });
  return file;
}

function stackAuditSigningKey(): string {
  // Made here rather than with @airlock/access-log, whose own tests use this kit.
  const fresh = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const stackDir = process.env.AIRLOCK_STACK_DIR ?? path.join(homedir(), '.local', 'state', 'airlock-stack');
  if (!existsSync(stackDir)) return fresh();
  const kept = path.join(stackDir, 'e2e-audit-signing-key.pem');
  try {
    // `wx`: the first run on this stack writes it; any later (or concurrent) one reads it.
    writeFileSync(kept, fresh(), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(kept, 'utf8');
}

function spawnService(name: ServiceName, env: NodeJS.ProcessEnv, cwd: string): ChildProcess {
  // Compiled JavaScript, as in production: no TypeScript compiler in the service's memory.
  const main = path.join(ROOT, 'dist', 'apps', name, 'src', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  // AIRLOCK_SERVICE_CPU_PROF_DIR: each service writes a V8 CPU profile there when it stops (to see
  // where a bench's time goes; NODE_OPTIONS may not carry --cpu-prof).
  const profileDir = process.env.AIRLOCK_SERVICE_CPU_PROF_DIR;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.${process.pid}.${Date.now()}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, ...profile, '-r', path.join(ROOT, 'dist', 'register-aliases.js'), main], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

export type ServiceExit = { code: number | null; signal: NodeJS.Signals | null; output: string; timedOut: boolean };

/**
 * Runs a service that is expected to refuse to start, with exactly `env` (plus PATH and HOME: no
 * AIRLOCK_* leaks in from the test's own environment), and reports how it ended. One still running
 * after `timeoutMs` has started: it is killed and reported as `timedOut`.
 */
export async function runServiceUntilExit(
  name: ServiceName,
  env: Record<string, string>,
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<ServiceExit> {
  const child = spawnService(name, { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, options.cwd ?? ROOT);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 30_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  return { code, signal, output, timedOut };
}

/** `readyWithinMs`: how long the service may take to report ready (default a minute). */
export async function startServiceProcess(name: ServiceName, port: number, env: Record<string, string>, readyWithinMs = 60_000): Promise<ServiceProcess> {
  const child = spawnService(name, { ...process.env, ...env }, ROOT);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const service: ServiceProcess = {
    name,
    url,
    process: child,
    output: () => output,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  await untilReady(name, url, () => child.exitCode !== null || child.signalCode !== null, readyWithinMs).catch(async (error) => {
    await service.kill('SIGKILL');
    throw new Error(`${name} did not become ready: ${(error as Error).message}\n${output.slice(-4000)}`);
  });
  return service;
}

/** Polls the readiness endpoint for up to `withinMs`; a process that exits meanwhile has failed at once. */
async function untilReady(name: ServiceName, url: string, hasExited: () => boolean, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error(`${name} exited while starting`);
    try {
      const response = await fetch(`${url}/health/ready`);
      if (response.ok) return;
      last = `not ready: ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} not ready after ${withinMs / 1000} s (${last})`);
}
