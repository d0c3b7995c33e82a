import { ConfigError, loadConfig } from './airlock-config';

describe('configuration', () => {
  it('falls back to embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.database.url).toBeUndefined();
    expect(config.kafka.brokers).toBeUndefined();
    expect(config.s3).toBeUndefined();
    expect(config.policy).toEqual({ requiredApprovals: 2, minCellCount: 10 });
  });
  it('reads the real servers from the environment', () => {
    const config = loadConfig({
      AIRLOCK_DATABASE_URL: 'postgres://a@127.0.0.1:55432/airlock',
      AIRLOCK_KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9094',
      AIRLOCK_S3_ENDPOINT: 'http://127.0.0.1:9000',
      AIRLOCK_S3_ACCESS_KEY: 'k',
      AIRLOCK_S3_SECRET_KEY: 's',
    });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092', '127.0.0.1:9094']);
    expect(config.s3).toMatchObject({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
  });
  it.each([
    [{ AIRLOCK_REQUIRED_APPROVALS: '0' }],
    [{ AIRLOCK_S3_ENDPOINT: 'http://127.0.0.1:9000' }],
    [{ AIRLOCK_INGRESS_PORT: 'eighty' }],
    [{ AIRLOCK_OIDC_ISSUER: 'https://idp' }],
  ])('refuses to boot on invalid settings %j', (env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
  });
  it('refuses storage fault injection outside test runs', () => {
    expect(() => loadConfig({ AIRLOCK_FAULT_INJECTION: 'true', AIRLOCK_FAULT_CRASH_AFTER_STEP: '1' })).toThrow(/test runs only/);
    expect(() => loadConfig({ AIRLOCK_FAULT_INJECTION: 'true', AIRLOCK_FAULT_CRASH_AFTER_STEP: '1', NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(loadConfig({}).faultInjection).toBeUndefined();
  });
  it('takes storage fault injection in a test run', () => {
    expect(loadConfig({ AIRLOCK_FAULT_INJECTION: 'true', AIRLOCK_FAULT_CRASH_AFTER_STEP: '2', AIRLOCK_FAULT_OP: 'delete', NODE_ENV: 'test' }).faultInjection).toEqual({ crashAfterStep: 2, op: 'delete' });
    expect(loadConfig({ AIRLOCK_FAULT_INJECTION: 'true', AIRLOCK_FAULT_CRASH_AFTER_STEP: '0', AIRLOCK_ALLOW_FAULT_INJECTION: 'true' }).faultInjection).toEqual({ crashAfterStep: 0 });
    expect(() => loadConfig({ AIRLOCK_FAULT_INJECTION: 'true', NODE_ENV: 'test' })).toThrow(ConfigError);
  });
});
