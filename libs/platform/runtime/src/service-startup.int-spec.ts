import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '@airlock/config';
import { createDb } from '@airlock/database';
import { buildServices, realServerEnvironment, realStack, runServiceUntilExit, startServiceProcess, uniqueId, type ServiceName } from '@airlock/testing';
import { buildInfra } from './infra';

// Who may mint tokens is decided at startup, as each service runs in production: a compiled process
// from dist/ with nothing but its environment. The development issuer lets anyone who reaches
// ingress become administrator, so it must be asked for, and is refused wherever it could be reached.
jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../../../..');
const SERVICES: ServiceName[] = ['ingress', 'egress-review', 'disclosure-check', 'audit'];
const PLACEHOLDER_OIDC = {
  AIRLOCK_OIDC_ISSUER: 'https://idp.invalid/realms/tre',
  AIRLOCK_OIDC_JWKS_URL: 'https://idp.invalid/realms/tre/protocol/openid-connect/certs',
};
// A service that wrongly starts is killed after this long and reported as timed out.
const STARTED_AFTER_MS = 20_000;
const id = uniqueId('startup').replace(/[^a-z0-9]/g, '_');

function realServers(): Record<string, string> {
  return {
    ...realServerEnvironment(),
    // Should a service wrongly start, it must not join the consumer groups of the shared topics.
    AIRLOCK_AUDIT_GROUP_ID: `startup-${id}`,
    AIRLOCK_AUDIT_TOPICS: `startup.in.${id}`,
    AIRLOCK_AUDIT_TOPIC: `startup.out.${id}`,
  };
}

const ports = (base: number) => ({
  AIRLOCK_INGRESS_PORT: String(base),
  AIRLOCK_EGRESS_REVIEW_PORT: String(base + 1),
  AIRLOCK_AUDIT_PORT: String(base + 2),
  AIRLOCK_DISCLOSURE_CHECK_PORT: String(base + 3),
});
const tempDir = (name: string) => mkdtempSync(path.join(tmpdir(), `airlock-${name}-`));

function expectRefused(exit: Awaited<ReturnType<typeof runServiceUntilExit>>, message: RegExp): void {
  expect({ timedOut: exit.timedOut, code: exit.code }).toEqual({ timedOut: false, code: 1 });
  expect(exit.output).toMatch(message);
  // A configuration refusal is a sentence for the operator, not a stack trace.
  expect(exit.output).not.toMatch(/\n\s+at /);
}

beforeAll(() => buildServices());

describe('a service on real servers', () => {
  it.each(SERVICES)('%s refuses to start with neither an OIDC issuer nor the development opt-in', async (name) => {
    const exit = await runServiceUntilExit(name, { ...realServers(), ...ports(3860), AIRLOCK_DATA_DIR: tempDir('no-issuer') }, { timeoutMs: STARTED_AFTER_MS });
    expectRefused(exit, /no identity provider: set AIRLOCK_OIDC_ISSUER and AIRLOCK_OIDC_JWKS_URL.*AIRLOCK_DEV_IDENTITY=true/);
  });

  it('refuses the development issuer when real servers are configured', async () => {
    const exit = await runServiceUntilExit(
      'ingress',
      { ...realServers(), ...ports(3860), AIRLOCK_DEV_IDENTITY: 'true', AIRLOCK_DATA_DIR: tempDir('dev-real') },
      { timeoutMs: STARTED_AFTER_MS },
    );
    expectRefused(
      exit,
      /AIRLOCK_DEV_IDENTITY=true .* refused with real servers configured \(AIRLOCK_DATABASE_URL, AIRLOCK_KAFKA_BROKERS, AIRLOCK_S3_ENDPOINT, AIRLOCK_CLAMD_HOST\)/,
    );
  });

  it('does not serve POST /dev/token or /dev/jwks when an OIDC issuer is configured', async () => {
    const ingress = await startServiceProcess('ingress', 3864, {
      ...realServers(),
      ...PLACEHOLDER_OIDC,
      AIRLOCK_INGRESS_PORT: '3864',
      AIRLOCK_DEV_IDENTITY: '',
    });
    try {
      const token = await fetch(`${ingress.url}/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'mallory', roles: ['administrator'] }),
      });
      expect(token.status).toBe(404);
      expect((await fetch(`${ingress.url}/dev/jwks`)).status).toBe(404);
      expect(ingress.output()).not.toMatch(/development/i);
    } finally {
      await ingress.kill('SIGTERM');
    }
  });
});

describe('the development issuer on embedded defaults', () => {
  it('is refused when the listen address is not loopback', async () => {
    const exit = await runServiceUntilExit(
      'ingress',
      { ...ports(3865), AIRLOCK_DEV_IDENTITY: 'true', AIRLOCK_HOST: '0.0.0.0', AIRLOCK_DATA_DIR: tempDir('dev-any') },
      { timeoutMs: STARTED_AFTER_MS },
    );
    expectRefused(exit, /AIRLOCK_DEV_IDENTITY=true .* refused with AIRLOCK_HOST=0\.0\.0\.0: it may only listen on loopback/);
  });

  // In-process on the shared database: a service process on embedded defaults first initialises
  // PGlite, which takes over a minute on a busy machine.
  it('is announced at start, with its port, and logs every token it issues', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      {
        write: (line: string) => {
          lines.push(JSON.parse(line));
        },
      },
    );
    const config = loadConfig({ AIRLOCK_DEV_IDENTITY: 'true', AIRLOCK_INGRESS_PORT: '3866', AIRLOCK_DATA_DIR: tempDir('dev-on') });
    const db = createDb({ url: realStack().databaseUrl, max: 2 });
    const infra = await buildInfra(config, { service: 'ingress', logger, shared: { db } });
    try {
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 40,
          devIdentity: true,
          port: 3866,
          msg: expect.stringMatching(/anyone who can reach port 3866 can become administrator/),
        }),
      );
      await infra.devIdentity?.issue({ userId: 'root', roles: ['administrator', 'auditor'] });
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 40, userId: 'root', roles: ['administrator', 'auditor'], msg: 'development issuer issued a token' }),
      );
    } finally {
      await infra.close();
      await db.close();
    }
  });
});

describe('the audit checkpoint signing key', () => {
  it('is required on real servers: audit refuses to start and writes no key anywhere', async () => {
    const dataDir = tempDir('audit-nokey');
    const repoKey = path.join(ROOT, '.airlock', 'audit-signing-key.pem');
    const repoKeyBefore = existsSync(repoKey) ? statSync(repoKey).mtimeMs : undefined;
    const exit = await runServiceUntilExit(
      'audit',
      { ...realServers(), ...PLACEHOLDER_OIDC, ...ports(3860), AIRLOCK_DATA_DIR: dataDir },
      { timeoutMs: STARTED_AFTER_MS },
    );
    expectRefused(exit, /no audit checkpoint signing key: set AIRLOCK_AUDIT_SIGNING_KEY .* or AIRLOCK_AUDIT_SIGNING_KEY_FILE/);
    expect(readdirSync(dataDir)).toEqual([]);
    expect(existsSync(repoKey) ? statSync(repoKey).mtimeMs : undefined).toBe(repoKeyBefore);
  });
});
