import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '@airlock/config';
import { loadAuditConfig } from '../apps/audit/src/audit.config';

// docker-compose.yml cannot run here (no Docker engine); check what can be checked: it parses,
// merges its anchors, and every service's environment boots our config validation.
type ComposeService = { image?: string; build?: { args?: { SERVICE?: string } }; environment?: Record<string, string>; depends_on?: Record<string, unknown>; secrets?: string[] };
const compose = parse(readFileSync(path.join(__dirname, '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string }>;
};
const AIRLOCK_SERVICES = ['ingress', 'egress-review', 'audit', 'disclosure-check'];

describe('docker-compose.yml', () => {
  it('declares the four services and the servers they need', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining([...AIRLOCK_SERVICES, 'postgres', 'kafka', 's3', 'clamd']));
  });

  it.each(AIRLOCK_SERVICES)('%s builds its own service and boots with a valid configuration', (name) => {
    const service = compose.services[name];
    expect(service.build?.args?.SERVICE).toBe(name);
    const config = loadConfig(service.environment ?? {});
    expect(config.database.url).toMatch(/^postgres:\/\/.*@postgres:5432\//);
    expect(config.kafka.brokers).toEqual(['kafka:9092']);
    expect(config.s3?.endpoint).toBe('http://s3:7070');
    expect(config.clamd).toMatchObject({ host: 'clamd', port: 3310 });
    expect(config.oidc?.jwksUrl).toMatch(/^https:\/\//);
    // Production identity is the OIDC provider's alone: the development issuer is never on.
    expect(config.devIdentity).toBe(false);
    expect(Object.keys(service.depends_on ?? {})).toEqual(expect.arrayContaining(['postgres', 'kafka', 's3', 'clamd']));
  });

  it('gives the audit service its checkpoint signing key as a secret file, which it needs on real servers', () => {
    const audit = compose.services.audit;
    const file = loadAuditConfig(audit.environment ?? {}).signingKey.file;
    expect(file).toBe('/run/secrets/audit_signing_key');
    expect(audit.secrets).toContain('audit_signing_key');
    expect(compose.secrets?.audit_signing_key?.file).toMatch(/\.pem$/);
  });

  it('runs each service from the image its Dockerfile builds', () => {
    const dockerfile = readFileSync(path.join(__dirname, '..', 'deploy', 'docker', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('dist/apps/${SERVICE}/src/main.js');
    expect(dockerfile).toContain('RUN node tools/build.js');
  });
});
