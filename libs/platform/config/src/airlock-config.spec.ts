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
  // A zip bomb keeps clamd busy until its MaxScanTime (120 s by default), when it answers
  // Heuristics.Limits.Exceeded.MaxScanTime (not scanned). Giving up earlier turns that answer into
  // a timeout, retried forever on the same file: the file's partition would never move again.
  it('waits for clamd longer than clamd itself may scan one file', () => {
    const clamd = (env: Record<string, string>) => loadConfig({ AIRLOCK_CLAMD_HOST: '127.0.0.1', ...env });
    expect(clamd({}).clamd?.timeoutMs).toBeGreaterThan(120_000);
    expect(loadConfig({}).clamdProbe.timeoutMs).toBeGreaterThan(120_000);
    expect(clamd({ AIRLOCK_CLAMD_TIMEOUT_MS: '300000' }).clamd?.timeoutMs).toBe(300_000);
  });
  it.each([
    [{ AIRLOCK_CLAMD_TIMEOUT_MS: '0' }],
    [{ AIRLOCK_REQUIRED_APPROVALS: '0' }],
    [{ AIRLOCK_S3_ENDPOINT: 'http://127.0.0.1:9000' }],
    [{ AIRLOCK_INGRESS_PORT: 'eighty' }],
    [{ AIRLOCK_OIDC_ISSUER: 'https://idp' }],
  ])('refuses to boot on invalid settings %j', (env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
  });
});
