import { realStack, type RealStack } from './real-stack';
import type { ServiceName } from './service-processes';
import type { TestIdentityProvider } from './identity/test-identity-provider';

export const PORTS: Record<ServiceName, string> = {
  ingress: 'AIRLOCK_INGRESS_PORT',
  'egress-review': 'AIRLOCK_EGRESS_REVIEW_PORT',
  'disclosure-check': 'AIRLOCK_DISCLOSURE_CHECK_PORT',
  audit: 'AIRLOCK_AUDIT_PORT',
};

/** The settings that point a service at the real servers (PostgreSQL, Kafka, the S3 server, clamd). */
export function realServerEnvironment(stack: RealStack = realStack(), bucketPrefix = 'airlock-'): Record<string, string> {
  return {
    AIRLOCK_DATABASE_URL: stack.databaseUrl,
    AIRLOCK_KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    AIRLOCK_S3_ENDPOINT: stack.s3.endpoint,
    AIRLOCK_S3_ACCESS_KEY: stack.s3.accessKeyId,
    AIRLOCK_S3_SECRET_KEY: stack.s3.secretAccessKey,
    AIRLOCK_S3_REGION: stack.s3.region,
    AIRLOCK_S3_BUCKET_PREFIX: bucketPrefix,
    AIRLOCK_CLAMD_HOST: stack.clamd.host,
    AIRLOCK_CLAMD_PORT: String(stack.clamd.port),
  };
}

// The environment every service process of an e2e test, the crash suite and the load bench gets:
// the real stack, the test OIDC issuer, an audit checkpoint key and a data dir outside the repo.
export function serviceEnvironment(
  idp: Pick<TestIdentityProvider, 'issuer' | 'audience' | 'jwksUrl'> & { discoveryUrl?: string },
  ports: Record<ServiceName, number>,
  bucketPrefix: string,
  files: { signingKeyFile: string; dataDir: string },
): Record<string, string> {
  return {
    ...realServerEnvironment(realStack(), bucketPrefix),
    AIRLOCK_OIDC_ISSUER: idp.issuer,
    AIRLOCK_OIDC_AUDIENCE: idp.audience,
    AIRLOCK_OIDC_JWKS_URL: idp.jwksUrl,
    // The pages sign in with authorization code + PKCE at the provider's endpoints (docs/adr/0011-web-pages.md).
    ...(idp.discoveryUrl ? { AIRLOCK_OIDC_DISCOVERY_URL: idp.discoveryUrl } : {}),
    AIRLOCK_AUDIT_SIGNING_KEY_FILE: files.signingKeyFile,
    AIRLOCK_DATA_DIR: files.dataDir,
    AIRLOCK_LOG_LEVEL: process.env.AIRLOCK_E2E_LOG_LEVEL ?? 'warn',
    ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [PORTS[name as ServiceName], String(port)])),
  };
}
