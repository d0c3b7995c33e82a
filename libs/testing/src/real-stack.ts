// Addresses of the real local servers started by `deploy/local/stack.sh up`.
// Defaults match the script; any AIRLOCK_* variable already set wins.
export const REAL_STACK_DEFAULTS: Readonly<Record<string, string>> = {
  AIRLOCK_DATABASE_URL: 'postgres://airlock@127.0.0.1:55432/airlock',
  AIRLOCK_KAFKA_BROKERS: '127.0.0.1:9092',
  AIRLOCK_S3_ENDPOINT: 'http://127.0.0.1:9000',
  AIRLOCK_S3_ACCESS_KEY: 'airlock',
  AIRLOCK_S3_SECRET_KEY: 'airlock-secret-key',
  AIRLOCK_S3_REGION: 'us-east-1',
  AIRLOCK_S3_FORCE_PATH_STYLE: 'true',
  AIRLOCK_CLAMD_HOST: '127.0.0.1',
  AIRLOCK_CLAMD_PORT: '3310',
};

export type RealStack = {
  databaseUrl: string;
  kafkaBrokers: string[];
  s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string; forcePathStyle: boolean };
  clamd: { host: string; port: number };
};

export function applyRealStackDefaults(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(REAL_STACK_DEFAULTS)) {
    if (!env[name]) env[name] = value;
  }
}

export function realStack(env: NodeJS.ProcessEnv = process.env): RealStack {
  const get = (name: string): string => env[name] || REAL_STACK_DEFAULTS[name];
  return {
    databaseUrl: get('AIRLOCK_DATABASE_URL'),
    kafkaBrokers: get('AIRLOCK_KAFKA_BROKERS').split(','),
    s3: {
      endpoint: get('AIRLOCK_S3_ENDPOINT'),
      accessKeyId: get('AIRLOCK_S3_ACCESS_KEY'),
      secretAccessKey: get('AIRLOCK_S3_SECRET_KEY'),
      region: get('AIRLOCK_S3_REGION'),
      forcePathStyle: get('AIRLOCK_S3_FORCE_PATH_STYLE') === 'true',
    },
    clamd: { host: get('AIRLOCK_CLAMD_HOST'), port: Number(get('AIRLOCK_CLAMD_PORT')) },
  };
}

/** A fresh id per test instead of truncating tables (docs/style.md). */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
