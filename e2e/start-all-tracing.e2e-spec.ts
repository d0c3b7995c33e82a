import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AirlockClient,
  expectEventually,
  serviceEnvironment,
  startTestIdentityProvider,
  writeTestAuditSigningKey,
  type ServiceName,
  type TestIdentityProvider,
} from '@airlock/testing';
import { newProject } from './airlock-stack';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver';

// `npm start` (tools/start-all.ts: the four services in one process) exports traces like the
// separately run services do when an OTLP endpoint is configured: one trace from an administrator's
// HTTP call on ingress to the audit consumer that records its event from Kafka.
jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '..');
const PORTS: Record<ServiceName, number> = { ingress: 3790, 'egress-review': 3791, audit: 3792, 'disclosure-check': 3793 };

let receiver: OtlpReceiver;
let idp: TestIdentityProvider;
let child: ChildProcess;
let output = '';
let dataDir: string;
let signingKeyFile: string;

async function untilReady(url: string, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`npm start exited while starting:\n${output.slice(-4000)}`);
    const ok = await fetch(`${url}/health/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`npm start not ready after ${withinMs / 1000} s:\n${output.slice(-4000)}`);
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  idp = await startTestIdentityProvider({ issuer: 'https://idp.e2e.test', audience: 'airlock' });
  signingKeyFile = writeTestAuditSigningKey();
  dataDir = mkdtempSync(path.join(tmpdir(), 'airlock-e2e-start-all-'));
  const env = {
    ...process.env,
    ...serviceEnvironment(idp, PORTS, 'airlock-', { signingKeyFile, dataDir }),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  // Exactly what `npm start` runs (package.json "start").
  child = spawn(process.execPath, ['-r', '@swc-node/register', 'tools/start-all.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  for (const port of Object.values(PORTS)) await untilReady(`http://127.0.0.1:${port}`, 240_000);
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await idp?.stop();
  await receiver?.close();
  for (const dir of [dataDir, signingKeyFile && path.dirname(signingKeyFile)]) if (dir) rmSync(dir, { recursive: true, force: true });
});

it('exports one trace from an HTTP call on ingress to the audit consumer of its event', async () => {
  const traceId = randomBytes(16).toString('hex');
  const clientSpanId = randomBytes(8).toString('hex');
  const admin = new AirlockClient(
    {
      ingress: `http://127.0.0.1:${PORTS.ingress}`,
      egressReview: `http://127.0.0.1:${PORTS['egress-review']}`,
      audit: `http://127.0.0.1:${PORTS.audit}`,
    },
    undefined,
  )
    .as(await idp.token('root', ['administrator']))
    .withHeaders({ traceparent: `00-${traceId}-${clientSpanId}-01` });
  await admin.setUpProject(newProject(), { researchers: ['alice'], checkers: ['chris', 'dana'] });

  const spans = await expectEventually(
    async () => {
      const inTrace = receiver.spans.filter((span) => span.traceId === traceId);
      // The HTTP server span of the call, continuing the client's span.
      expect(inTrace.some((span) => span.kind === 2 && span.parentSpanId === clientSpanId)).toBe(true);
      // The audit consumer recorded the registry event the call appended, in the same trace.
      expect(inTrace.some((span) => span.kind === 5 && span.attributes['messaging.consumer.group.name'] === 'airlock.audit')).toBe(true);
      return inTrace;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  // One process, one resource: the all-in-one service name (OTEL_SERVICE_NAME overrides it).
  expect(new Set(spans.map((span) => span.service))).toEqual(new Set(['airlock']));
  const ids = new Set(spans.map((span) => span.spanId));
  const consumer = spans.find((span) => span.kind === 5 && span.attributes['messaging.consumer.group.name'] === 'airlock.audit');
  expect(ids.has(consumer?.parentSpanId ?? '')).toBe(true);
});
