import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  AirlockClient,
  realServerEnvironment,
  startServiceProcess,
  startTestIdentityProvider,
  type RealStack,
  type ServiceProcess,
  type TestIdentityProvider,
} from '@airlock/testing';
import { putFile } from '../lib/http-put';
import { startProgress } from '../lib/progress';
import { readMemory, resetPeak } from '../lib/rss';
import { deletePrefix } from '../lib/s3';
import type { TestFile } from '../lib/test-file';
import { BENCH_RESEARCHER, setUpBenchProject } from './bench-project';
import type { UploadMeasurement } from './upload-measurement';

// The side under test: ONE ingress process on the real stack (PostgreSQL, Kafka, S3, clamd) with
// a local OIDC issuer, started as e2e/airlock-stack.ts starts it. Each run creates a request as an
// accredited researcher and streams the file from disk to PUT /requests/{id}/files/{name}.

const GROUP = 'outputs';

export type IngressBenchOptions = { stack: RealStack; s3: S3Client; bucketPrefix: string; logLevel: string };

export class IngressUploadBench {
  /** False when the kernel would not reset VmHWM: each run's peak is then the process's lifetime peak. */
  peakResets = true;

  private constructor(
    private readonly idp: TestIdentityProvider,
    private readonly ingress: ServiceProcess,
    private readonly projectId: string,
    private readonly options: IngressBenchOptions,
  ) {}

  static async start(options: IngressBenchOptions): Promise<IngressUploadBench> {
    const idp = await startTestIdentityProvider({ issuer: 'https://idp.bench.test', audience: 'airlock' });
    try {
      const ports = { ingress: await freePort(), egressReview: await freePort() };
      const env = serviceEnv(options, idp, ports);
      const projectId = await setUpBenchProject(env, ports.egressReview, idp);
      const ingress = await startServiceProcess('ingress', ports.ingress, env);
      return new IngressUploadBench(idp, ingress, projectId, options);
    } catch (error) {
      await idp.stop();
      throw error;
    }
  }

  get pid(): number {
    return this.ingress.process.pid as number;
  }

  async upload(file: TestFile, run: number): Promise<UploadMeasurement> {
    const token = await this.idp.token(BENCH_RESEARCHER, ['researcher'], { expiresInSeconds: 3600 });
    // Only the ingress API is used here.
    const client = new AirlockClient({ ingress: this.ingress.url, egressReview: '', audit: '' }, token);
    const { requestId } = await client.createRequest(this.projectId, `upload benchmark, run ${run}`);
    await client.defineGroup(requestId, GROUP, 'Upload benchmark', 'None: pseudo-random bytes, deleted after the run');

    this.peakResets = resetPeak(this.pid) && this.peakResets;
    const idleRssBytes = readMemory(this.pid).rssBytes;
    const progress = startProgress(`ingress run ${run}`, file.bytes, () => readMemory(this.pid).rssBytes);
    try {
      const started = performance.now();
      const response = await putFile(
        `${this.ingress.url}/requests/${requestId}/files/bench-${file.bytes}.bin?kind=output&group=${GROUP}`,
        { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        file.path,
        file.bytes,
        (sent) => progress.update(sent),
      );
      const durationMs = performance.now() - started;
      const peakRssBytes = readMemory(this.pid).peakRssBytes;
      if (response.status !== 201) throw new Error(`ingress answered ${response.status}: ${response.body}\n${this.ingress.output().slice(-4000)}`);
      const stored = (JSON.parse(response.body) as { file?: { sha256?: string; size?: number } }).file;
      if (stored?.sha256 !== file.sha256 || stored.size !== file.bytes) {
        throw new Error(`ingress stored ${stored?.size} bytes with sha256 ${stored?.sha256}; sent ${file.bytes} with ${file.sha256}`);
      }
      return { side: 'ingress', run, bytes: file.bytes, durationMs, bodySentMs: response.bodySentMs, idleRssBytes, peakRssBytes };
    } finally {
      progress.stop();
      await deletePrefix(this.options.s3, `${this.options.bucketPrefix}draft`, `requests/${requestId}/`);
    }
  }

  /**
   * The same file pushed by the researchers' CLI (`airlock push`, compiled, as a child process):
   * its local disclosure check, then the resumable upload in parts. Wall time of the command, and
   * the CLI process's own peak RSS (VmHWM, read until it exits).
   */
  async cliPush(file: TestFile, run: number): Promise<{ run: number; durationMs: number; mibPerSecond: number; peakRssMiB: number }> {
    const token = await this.idp.token(BENCH_RESEARCHER, ['researcher'], { expiresInSeconds: 3600 });
    const client = new AirlockClient({ ingress: this.ingress.url, egressReview: '', audit: '' }, token);
    const { requestId } = await client.createRequest(this.projectId, `CLI push benchmark, run ${run}`);
    await client.defineGroup(requestId, GROUP, 'Upload benchmark', 'None: pseudo-random bytes, deleted after the run');
    const configDir = mkdtempSync(path.join(tmpdir(), 'airlock-bench-cli-'));
    try {
      const bin = path.resolve(__dirname, '../../apps/airlock-cli/bin/airlock.js');
      const started = performance.now();
      const child = spawn(process.execPath, [bin, 'push', requestId, file.path, '--group', GROUP, '--json'], {
        env: { ...process.env, AIRLOCK_URL: this.ingress.url, AIRLOCK_TOKEN: token, AIRLOCK_CONFIG_DIR: configDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
      let peakRssBytes = 0;
      const sample = () => {
        try {
          peakRssBytes = Math.max(peakRssBytes, readMemory(child.pid as number).peakRssBytes);
        } catch {
          // the process has just exited
        }
      };
      const sampler = setInterval(sample, 100);
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      clearInterval(sampler);
      const durationMs = performance.now() - started;
      if (code !== 0) throw new Error(`airlock push exited ${code}:\n${output.slice(-4000)}`);
      const { files } = await client.getRequest(requestId);
      const stored = files.find((f) => f.name === path.basename(file.path));
      if (stored?.sha256 !== file.sha256) throw new Error(`the CLI's upload was stored with sha256 ${stored?.sha256}, not ${file.sha256}`);
      return { run, durationMs, mibPerSecond: file.bytes / 1024 / 1024 / (durationMs / 1000), peakRssMiB: peakRssBytes / 1024 / 1024 };
    } finally {
      rmSync(configDir, { recursive: true, force: true });
      await deletePrefix(this.options.s3, `${this.options.bucketPrefix}draft`, `requests/${requestId}/`);
    }
  }

  async stop(): Promise<void> {
    await this.ingress.kill('SIGTERM');
    await this.idp.stop();
  }
}

/** The real stack's addresses and the local issuer, as e2e/airlock-stack.ts gives them to every service. */
function serviceEnv(options: IngressBenchOptions, idp: TestIdentityProvider, ports: { ingress: number; egressReview: number }): Record<string, string> {
  const { stack } = options;
  return {
    ...realServerEnvironment(stack, options.bucketPrefix),
    AIRLOCK_OIDC_ISSUER: idp.issuer,
    AIRLOCK_OIDC_AUDIENCE: idp.audience,
    AIRLOCK_OIDC_JWKS_URL: idp.jwksUrl,
    AIRLOCK_LOG_LEVEL: options.logLevel,
    AIRLOCK_INGRESS_PORT: String(ports.ingress),
    AIRLOCK_EGRESS_REVIEW_PORT: String(ports.egressReview),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
