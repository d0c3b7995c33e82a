import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { AirlockClient } from './airlock-client';
import { startTestIdentityProvider } from './identity/test-identity-provider';
import { realStack } from './real-stack';
import { PORTS, serviceEnvironment } from './service-environment';
import { startServiceProcess, writeTestAuditSigningKey, type ServiceName, type ServiceProcess } from './service-processes';
import { startTcpBalancer, type TcpBalancer } from './tcp-balancer';

// N instances of every service as separate processes on the real stack, each service behind a
// round-robin balancer with failover, as a production deployment runs them. The crash suite kills
// and restarts instances under load.
export type Instance = { name: ServiceName; index: number; port: number; process?: ServiceProcess };

export type AirlockCluster = {
  client: AirlockClient;
  token(userId: string, roles: string[]): Promise<string>;
  instances: Instance[];
  /** SIGKILLs one instance (no warning, as the kernel's OOM killer or a node loss would). */
  kill(instance: Instance): Promise<void>;
  start(instance: Instance): Promise<void>;
  s3: S3Client;
  bucketPrefix: string;
  stop(): Promise<void>;
};

const SERVICES: ServiceName[] = ['ingress', 'egress-review', 'audit', 'disclosure-check'];

export async function startAirlockCluster(basePort: number, count: number, extraEnv: Record<string, string> = {}): Promise<AirlockCluster> {
  const idp = await startTestIdentityProvider({ issuer: 'https://idp.e2e.test', audience: 'airlock' });
  const stack = realStack();
  const bucketPrefix = 'airlock-';
  const instances: Instance[] = SERVICES.flatMap((name, s) =>
    Array.from({ length: count }, (_, index) => ({ name, index, port: basePort + 10 + s * count + index })),
  );
  const live = (name: ServiceName) => () => instances.filter((i) => i.name === name && i.process).map((i) => i.port);
  const balancers = {} as Record<ServiceName, TcpBalancer>;
  for (const [s, name] of SERVICES.entries()) balancers[name] = await startTcpBalancer(live(name), basePort + s);
  const ports = Object.fromEntries(SERVICES.map((name) => [name, balancers[name].port])) as Record<ServiceName, number>;
  const signingKeyFile = writeTestAuditSigningKey();
  const dataDir = mkdtempSync(path.join(tmpdir(), `airlock-cluster-${basePort}-`));
  const env = { ...serviceEnvironment(idp, ports, bucketPrefix, { signingKeyFile, dataDir }), AIRLOCK_PUBLIC_INGRESS_URL: balancers.ingress.url, ...extraEnv };
  const start = async (instance: Instance) => {
    // A restarted consumer rejoins its group only once the broker has given up on the killed
    // member (its session timeout) and rebalanced: that can take longer than a first start.
    instance.process = await startServiceProcess(instance.name, instance.port, { ...env, [PORTS[instance.name]]: String(instance.port) }, 180_000);
  };
  const s3 = new S3Client({
    endpoint: stack.s3.endpoint,
    region: stack.s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
  });
  const stop = async () => {
    await Promise.all(instances.map((i) => i.process?.kill('SIGTERM')));
    const dumpDir = process.env.AIRLOCK_E2E_DUMP_DIR;
    if (dumpDir) for (const i of instances) if (i.process) writeFileSync(path.join(dumpDir, `${basePort}-${i.name}-${i.index}.log`), i.process.output());
    await Promise.all(Object.values(balancers).map((b) => b.close()));
    s3.destroy();
    await idp.stop();
    [path.dirname(signingKeyFile), dataDir].forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  };
  // One wave per instance index: the first wave migrates and creates topics, the second joins.
  let failed: PromiseRejectedResult | undefined;
  for (let index = 0; index < count && !failed; index++) {
    const wave = await Promise.allSettled(instances.filter((i) => i.index === index).map(start));
    failed = wave.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  }
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const client = new AirlockClient({ ingress: balancers.ingress.url, egressReview: balancers['egress-review'].url, audit: balancers.audit.url }, undefined);
  return {
    client,
    instances,
    s3,
    bucketPrefix,
    start,
    stop,
    // Long runs (the crash suite, the load bench) outlive the default token lifetime.
    token: (userId, roles) => idp.token(userId, roles, { expiresInSeconds: 4 * 3600 }),
    async kill(instance) {
      const proc = instance.process;
      instance.process = undefined;
      await proc?.kill('SIGKILL');
    },
  };
}
