import { ConfigError, isLoopbackHost, loadConfig, withDevIdentityOnEmbeddedDefaults } from './airlock-config';

// Embedded defaults need an identity: the development issuer, opted into explicitly.
const DEV = { AIRLOCK_DEV_IDENTITY: 'true' };
const OIDC = { AIRLOCK_OIDC_ISSUER: 'https://idp.example/realms/tre', AIRLOCK_OIDC_JWKS_URL: 'https://idp.example/realms/tre/certs' };
const REAL_SERVERS: [string, Record<string, string>][] = [
  ['AIRLOCK_DATABASE_URL', { AIRLOCK_DATABASE_URL: 'postgres://a@127.0.0.1:55432/airlock' }],
  ['AIRLOCK_KAFKA_BROKERS', { AIRLOCK_KAFKA_BROKERS: '127.0.0.1:9092' }],
  ['AIRLOCK_S3_ENDPOINT', { AIRLOCK_S3_ENDPOINT: 'http://127.0.0.1:9000', AIRLOCK_S3_ACCESS_KEY: 'k', AIRLOCK_S3_SECRET_KEY: 's' }],
  ['AIRLOCK_CLAMD_HOST', { AIRLOCK_CLAMD_HOST: '127.0.0.1' }],
];

describe('configuration', () => {
  it('falls back to embedded defaults when nothing but the development issuer is set', () => {
    const config = loadConfig(DEV);
    expect(config.database.url).toBeUndefined();
    expect(config.kafka.brokers).toBeUndefined();
    expect(config.s3).toBeUndefined();
    expect(config.policy).toEqual({ requiredApprovals: 2, minCellCount: 10 });
  });
  it('reads the real servers from the environment', () => {
    const config = loadConfig({
      ...OIDC,
      AIRLOCK_DATABASE_URL: 'postgres://a@127.0.0.1:55432/airlock',
      AIRLOCK_KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9094',
      AIRLOCK_S3_ENDPOINT: 'http://127.0.0.1:9000',
      AIRLOCK_S3_ACCESS_KEY: 'k',
      AIRLOCK_S3_SECRET_KEY: 's',
    });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092', '127.0.0.1:9094']);
    expect(config.s3).toMatchObject({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
  });
  it('takes the Kafka partition and key settings, 3, 3 and 8 by default, and refuses counts that are not positive integers', () => {
    expect(loadConfig(DEV).kafka).toMatchObject({ topicPartitions: 3, concurrentPartitions: 3, concurrentKeys: 8 });
    const tuned = { ...DEV, AIRLOCK_KAFKA_TOPIC_PARTITIONS: '12', AIRLOCK_KAFKA_CONCURRENT_PARTITIONS: '6', AIRLOCK_KAFKA_CONCURRENT_KEYS: '1' };
    expect(loadConfig(tuned).kafka).toMatchObject({ topicPartitions: 12, concurrentPartitions: 6, concurrentKeys: 1 });
    for (const bad of ['0', '-1', '1.5', 'many', '100000'])
      for (const name of ['AIRLOCK_KAFKA_TOPIC_PARTITIONS', 'AIRLOCK_KAFKA_CONCURRENT_PARTITIONS', 'AIRLOCK_KAFKA_CONCURRENT_KEYS'])
        expect(() => loadConfig({ ...DEV, [name]: bad })).toThrow(ConfigError);
  });
  // A zip bomb keeps clamd busy until its MaxScanTime (120 s by default), when it answers
  // Heuristics.Limits.Exceeded.MaxScanTime (not scanned). Giving up earlier turns that answer into
  // a timeout, retried forever on the same file: the file's partition would never move again.
  it('waits for clamd longer than clamd itself may scan one file', () => {
    const clamd = (env: Record<string, string>) =>
      loadConfig({ AIRLOCK_OIDC_ISSUER: 'https://idp', AIRLOCK_OIDC_JWKS_URL: 'https://idp/certs', AIRLOCK_CLAMD_HOST: '127.0.0.1', ...env });
    expect(clamd({}).clamd?.timeoutMs).toBeGreaterThan(120_000);
    expect(loadConfig(DEV).clamdProbe.timeoutMs).toBeGreaterThan(120_000);
    expect(clamd({ AIRLOCK_CLAMD_TIMEOUT_MS: '300000' }).clamd?.timeoutMs).toBe(300_000);
  });
  it.each([
    [{ ...DEV, AIRLOCK_CLAMD_TIMEOUT_MS: '0' }],
    [{ ...DEV, AIRLOCK_REQUIRED_APPROVALS: '0' }],
    [{ ...DEV, AIRLOCK_S3_ENDPOINT: 'http://127.0.0.1:9000' }],
    [{ ...DEV, AIRLOCK_INGRESS_PORT: 'eighty' }],
    [{ AIRLOCK_OIDC_ISSUER: 'https://idp' }],
    [{ AIRLOCK_OIDC_JWKS_URL: 'https://idp/certs' }],
    [{ ...DEV, AIRLOCK_DEV_IDENTITY: 'yes' }],
  ])('refuses to boot on invalid settings %j', (env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
  });
  it('refuses storage fault injection outside test runs', () => {
    expect(() => loadConfig({ ...DEV, AIRLOCK_FAULT_INJECTION: 'true', AIRLOCK_FAULT_CRASH_AFTER_STEP: '1' })).toThrow(/test runs only/);
    expect(() => loadConfig({ ...DEV, AIRLOCK_FAULT_INJECTION: 'true', AIRLOCK_FAULT_CRASH_AFTER_STEP: '1', NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(loadConfig(DEV).faultInjection).toBeUndefined();
  });
  it('takes storage fault injection in a test run', () => {
    expect(
      loadConfig({ ...DEV, AIRLOCK_FAULT_INJECTION: 'true', AIRLOCK_FAULT_CRASH_AFTER_STEP: '2', AIRLOCK_FAULT_OP: 'delete', NODE_ENV: 'test' }).faultInjection,
    ).toEqual({ crashAfterStep: 2, op: 'delete' });
    expect(
      loadConfig({ ...DEV, AIRLOCK_FAULT_INJECTION: 'true', AIRLOCK_FAULT_CRASH_AFTER_STEP: '0', AIRLOCK_ALLOW_FAULT_INJECTION: 'true' }).faultInjection,
    ).toEqual({ crashAfterStep: 0 });
    expect(() => loadConfig({ ...DEV, AIRLOCK_FAULT_INJECTION: 'true', NODE_ENV: 'test' })).toThrow(ConfigError);
  });
});

describe('the public ingress URL (the base of download links)', () => {
  it('is the configured URL, without a trailing slash', () => {
    expect(loadConfig({ ...OIDC, AIRLOCK_HOST: '0.0.0.0', AIRLOCK_PUBLIC_INGRESS_URL: 'https://airlock.example.org/tre/' }).http.publicUrls.ingress).toBe(
      'https://airlock.example.org/tre',
    );
  });

  it('falls back to the listen address when ingress listens on one address', () => {
    expect(loadConfig({ ...DEV, AIRLOCK_INGRESS_PORT: '3100' }).http.publicUrls.ingress).toBe('http://127.0.0.1:3100');
    expect(loadConfig({ ...DEV, AIRLOCK_HOST: '::1' }).http.publicUrls.ingress).toBe('http://[::1]:3000');
    expect(loadConfig({ ...OIDC, AIRLOCK_HOST: '10.0.0.5' }).http.publicUrls.ingress).toBe('http://10.0.0.5:3000');
  });

  it.each(['0.0.0.0', '::', '[::]'])('is required when listening on every address (%s): a link to it reaches no one', (host) => {
    expect(() => loadConfig({ ...OIDC, AIRLOCK_HOST: host })).toThrow(ConfigError);
    expect(() => loadConfig({ ...OIDC, AIRLOCK_HOST: host })).toThrow(/AIRLOCK_HOST=.* needs AIRLOCK_PUBLIC_INGRESS_URL/);
  });

  it.each([
    ['http://0.0.0.0:3000', /names no reachable host/],
    ['http://[::]:3000/', /names no reachable host/],
    ['ftp://airlock.example.org', /must be an http\(s\) URL/],
    ['https://airlock.example.org/?a=1', /without query or fragment/],
    ['not a url', /AIRLOCK_PUBLIC_INGRESS_URL/],
  ])('refuses %s', (url, message) => {
    expect(() => loadConfig({ ...OIDC, AIRLOCK_HOST: '0.0.0.0', AIRLOCK_PUBLIC_INGRESS_URL: url })).toThrow(message);
  });
});

describe('identity', () => {
  it('uses the OIDC provider when one is configured, and no development issuer', () => {
    const config = loadConfig({ ...OIDC, AIRLOCK_HOST: '0.0.0.0', AIRLOCK_PUBLIC_INGRESS_URL: 'https://airlock.example.org' });
    expect(config.oidc).toEqual({ issuer: OIDC.AIRLOCK_OIDC_ISSUER, audience: 'airlock', jwksUrl: OIDC.AIRLOCK_OIDC_JWKS_URL });
    expect(config.devIdentity).toBe(false);
  });

  it('allows the development issuer when opted into on embedded defaults and loopback', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', '::1', 'localhost']) {
      const config = loadConfig({ ...DEV, AIRLOCK_HOST: host });
      expect(config.devIdentity).toBe(true);
      expect(config.oidc).toBeUndefined();
    }
  });

  it('refuses to start with neither an issuer nor the opt-in, naming both ways out', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({})).toThrow(/AIRLOCK_OIDC_ISSUER.*AIRLOCK_OIDC_JWKS_URL.*AIRLOCK_DEV_IDENTITY=true/);
    expect(() => loadConfig({ ...REAL_SERVERS[0][1], AIRLOCK_DEV_IDENTITY: 'false' })).toThrow(/no identity provider/i);
  });

  it.each(REAL_SERVERS)('refuses the development issuer when a real server is configured (%s)', (name, env) => {
    expect(() => loadConfig({ ...DEV, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...DEV, ...env })).toThrow(new RegExp(`AIRLOCK_DEV_IDENTITY.*${name}`));
  });

  it.each(['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'airlock.example.org', '::ffff:10.0.0.1'])(
    'refuses the development issuer when listening on a non-loopback address (%s)',
    (host) => {
      expect(() => loadConfig({ ...DEV, AIRLOCK_HOST: host })).toThrow(
        new RegExp(`AIRLOCK_DEV_IDENTITY.*AIRLOCK_HOST=${host.replace(/[.:]/g, '\\$&')}.*loopback`),
      );
    },
  );

  it('refuses the development issuer alongside an OIDC issuer', () => {
    expect(() => loadConfig({ ...DEV, ...OIDC })).toThrow(/AIRLOCK_DEV_IDENTITY.*AIRLOCK_OIDC_ISSUER/);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['::1', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['128.0.0.1', false],
    ['10.1.2.3', false],
    ['localhost.example.org', false],
    ['', false],
  ])('knows whether %j is a loopback address (%s)', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('npm start on embedded defaults', () => {
  it('opts into the development issuer when nothing is configured', () => {
    expect(loadConfig(withDevIdentityOnEmbeddedDefaults({})).devIdentity).toBe(true);
  });
  it.each([...REAL_SERVERS, ['AIRLOCK_OIDC_ISSUER', OIDC] as [string, Record<string, string>]])('does not opt in when %s is configured', (_name, env) => {
    expect(withDevIdentityOnEmbeddedDefaults(env).AIRLOCK_DEV_IDENTITY).toBeUndefined();
  });
  it('leaves an explicit choice alone', () => {
    expect(withDevIdentityOnEmbeddedDefaults({ AIRLOCK_DEV_IDENTITY: 'false' }).AIRLOCK_DEV_IDENTITY).toBe('false');
  });
});
