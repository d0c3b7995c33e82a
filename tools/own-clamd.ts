import { spawn } from 'node:child_process';
import path from 'node:path';
import type { AirlockConfig } from '@airlock/config';
import { clamdAnswers } from '@airlock/runtime';

// `npm start` brings its own clamd so that a first run can release: the same clamd, config and
// signature database (deploy/local/clamav-db) the test stack uses, through deploy/local/stack.sh
// clamd-up, which installs it only where that needs no password. Files are never released unscanned,
// so where clamd cannot be had the start goes on, says so once, and every file stays "not scanned".

const STACK = path.resolve(__dirname, '../deploy/local/stack.sh');

export type OwnClamd =
  /** A scanner is configured (AIRLOCK_CLAMD_HOST), one already answers, or the caller opted out. */
  { outcome: 'not-needed'; why: string } | { outcome: 'started'; port: number; stop(): Promise<void> } | { outcome: 'unavailable'; reason: string };

function runStack(command: string, env: NodeJS.ProcessEnv, onLine: (line: string) => void): Promise<{ code: number; lines: string[] }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [STACK, command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let pending = '';
    const take = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      for (const line of complete.filter(Boolean)) {
        lines.push(line);
        onLine(line);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (error) => resolve({ code: 127, lines: [...lines, `[stack] ERROR: ${error.message}`] }));
    child.once('close', (code) => resolve({ code: code ?? 1, lines: pending ? [...lines, pending] : lines }));
  });
}

/**
 * Makes sure a clamd answers where the embedded default looks for one (127.0.0.1, AIRLOCK_CLAMD_PORT),
 * starting it (and installing it, where the machine allows) when none does. Its state lives in the
 * data dir (`<AIRLOCK_DATA_DIR>/clamd`); `stop()` stops it again when the airlock stops.
 */
export async function bringOwnClamd(config: AirlockConfig, env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<OwnClamd> {
  if (config.clamd) return { outcome: 'not-needed', why: `clamd configured at ${config.clamd.host}:${config.clamd.port}` };
  if (env.AIRLOCK_OWN_CLAMD === 'false') return { outcome: 'not-needed', why: 'AIRLOCK_OWN_CLAMD=false' };
  const { host, port } = config.clamdProbe;
  if (await clamdAnswers(host, port)) return { outcome: 'not-needed', why: `a clamd already answers on ${host}:${port}` };
  const stackEnv = { ...env, AIRLOCK_STACK_DIR: path.resolve(config.dataDir, 'clamd'), AIRLOCK_CLAMD_PORT: String(port) };
  say(`Starting clamd (the malware scanner) on ${host}:${port}; the first time this may install it (apt-get install clamav-daemon)...`);
  // Progress lines as they come; an error is said once, by the caller, with what it means.
  const { code, lines } = await runStack('clamd-up', stackEnv, (line) => {
    if (!line.includes('ERROR')) say(`  ${line}`);
  });
  if (code !== 0 || !(await clamdAnswers(host, port))) {
    const error = [...lines].reverse().find((l) => l.includes('ERROR'));
    return { outcome: 'unavailable', reason: error?.replace(/^\[stack\] ERROR: /, '') ?? `deploy/local/stack.sh clamd-up exited with ${code}` };
  }
  return {
    outcome: 'started',
    port,
    stop: async () => {
      await runStack('clamd-down', stackEnv, () => undefined);
    },
  };
}
