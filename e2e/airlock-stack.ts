import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  AirlockClient,
  realStack,
  serviceEnvironment,
  startServiceProcess,
  startTestIdentityProvider,
  uniqueId,
  writeTestAuditSigningKey,
  type ServiceName,
  type ServiceProcess,
  type TestIdentityProvider,
  type TestTokenOptions,
} from '@airlock/testing';

// The four services as separate processes on the real stack, with a local OIDC issuer, an audit
// checkpoint key of their own and a data dir outside the repository, as in production.
export type AirlockUnderTest = {
  client: AirlockClient;
  token(userId: string, roles: string[], opts?: TestTokenOptions): Promise<string>;
  /** The test OIDC provider, whose code flow the pages sign in through (`signIn` sets who is signed in there). */
  idp: TestIdentityProvider;
  services: Record<ServiceName, ServiceProcess>;
  restart(name: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  stopService(name: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  startService(name: ServiceName): Promise<void>;
  keysIn(stage: string, prefix: string): Promise<string[]>;
  s3: S3Client;
  bucketPrefix: string;
  stop(): Promise<void>;
};

/** Settings a test gives its own instance (e.g. a low scanner limit), over the shared ones. */
export type AirlockOptions = { env?: Record<string, string>; /** How long each service may take to report ready (default a minute). */ readyWithinMs?: number };

export async function startAirlock(basePort: number, options: AirlockOptions = {}): Promise<AirlockUnderTest> {
  const idp = await startTestIdentityProvider({ issuer: 'https://idp.e2e.test', audience: 'airlock' });
  const stack = realStack();
  const bucketPrefix = 'airlock-';
  const ports: Record<ServiceName, number> = { ingress: basePort, 'egress-review': basePort + 1, audit: basePort + 2, 'disclosure-check': basePort + 3 };
  const signingKeyFile = writeTestAuditSigningKey();
  const dataDir = mkdtempSync(path.join(tmpdir(), `airlock-e2e-${basePort}-`));
  const removeTempFiles = () => [path.dirname(signingKeyFile), dataDir].forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  const env = { ...serviceEnvironment(idp, ports, bucketPrefix, { signingKeyFile, dataDir }), ...options.env };
  const services = {} as Record<ServiceName, ServiceProcess>;
  const startService = async (name: ServiceName) => {
    services[name] = await startServiceProcess(name, ports[name], env, options.readyWithinMs);
  };
  const started = await Promise.allSettled((Object.keys(ports) as ServiceName[]).map(startService));
  const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) {
    // The caller gets no handle to stop what did start, so it is stopped here.
    await Promise.all(Object.values(services).map((s) => s.kill('SIGTERM')));
    await idp.stop();
    removeTempFiles();
    throw failed.reason;
  }
  const s3 = new S3Client({
    endpoint: stack.s3.endpoint,
    region: stack.s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
  });
  const client = new AirlockClient({ ingress: services.ingress.url, egressReview: services['egress-review'].url, audit: services.audit.url }, undefined);
  return {
    client,
    idp,
    services,
    s3,
    bucketPrefix,
    token: (userId, roles, opts) => idp.token(userId, roles, opts),
    startService,
    async stopService(name, signal = 'SIGTERM') {
      await services[name].kill(signal);
    },
    async restart(name, signal = 'SIGTERM') {
      await services[name].kill(signal);
      await startService(name);
    },
    async keysIn(stage, prefix) {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: `${bucketPrefix}${stage}`, Prefix: prefix }));
      return (out.Contents ?? []).map((o) => o.Key as string);
    },
    async stop() {
      await Promise.all(Object.values(services).map((s) => s.kill('SIGTERM')));
      // AIRLOCK_E2E_DUMP_DIR keeps each service's log for a look after a failure.
      const dumpDir = process.env.AIRLOCK_E2E_DUMP_DIR;
      if (dumpDir) for (const s of Object.values(services)) writeFileSync(path.join(dumpDir, `${basePort}-${s.name}.log`), s.output());
      s3.destroy();
      await idp.stop();
      removeTempFiles();
    },
  };
}

export const newProject = () => uniqueId('project');
