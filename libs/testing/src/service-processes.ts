import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { expectEventually } from './expect-eventually';

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

export async function startServiceProcess(name: ServiceName, port: number, env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join('apps', name, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env, SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString()).slice(-200_000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const service: ServiceProcess = {
    name, url, process: child, output: () => output,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  await expectEventually(async () => {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output.slice(-4000)}`);
    const response = await fetch(`${url}/health/ready`);
    if (!response.ok) throw new Error(`${name} not ready: ${await response.text()}`);
  }, { timeoutMs: 60_000, intervalMs: 200 }).catch(async (error) => {
    await service.kill('SIGKILL');
    throw new Error(`${name} did not become ready: ${(error as Error).message}\n${output.slice(-4000)}`);
  });
  return service;
}
