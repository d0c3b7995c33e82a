import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { CliError, EXIT } from './cli-core';

export type Credentials = {
  url: string;
  token: string;
  /** How the token was had: the OIDC device code flow, or AIRLOCK_TOKEN. */
  source: 'device-code' | 'environment';
  issuer?: string;
  savedAt: string;
};

export type CliEnv = Record<string, string | undefined>;

/** Where the CLI keeps its token and the requests it created: AIRLOCK_CONFIG_DIR, else $XDG_CONFIG_HOME/airlock, else ~/.config/airlock. */
export function configDir(env: CliEnv): string {
  if (env['AIRLOCK_CONFIG_DIR']) return env['AIRLOCK_CONFIG_DIR'];
  return path.join(env['XDG_CONFIG_HOME'] || path.join(homedir(), '.config'), 'airlock');
}

async function readJson<T>(file: string): Promise<T | undefined> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Written whole (temporary file, then rename) and readable by the owner only: it holds a token. */
async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

export const loadCredentials = (env: CliEnv) => readJson<Credentials>(path.join(configDir(env), 'credentials.json'));
export const saveCredentials = (env: CliEnv, credentials: Credentials) => writeJson(path.join(configDir(env), 'credentials.json'), credentials);

/** The ingress URL: --url, else AIRLOCK_URL, else the one saved at login. */
export function resolveUrl(option: string | undefined, env: CliEnv, saved: Credentials | undefined): string {
  const url = option ?? env['AIRLOCK_URL'] ?? saved?.url;
  if (!url) throw new CliError(EXIT.usage, 'No server: pass --url, set AIRLOCK_URL, or run airlock login --url <ingress URL>');
  try {
    return new URL(url).toString().replace(/\/$/, '');
  } catch {
    throw new CliError(EXIT.usage, `Not a URL: ${url}`);
  }
}

/** The token: AIRLOCK_TOKEN when set (it wins, for scripts and CI), else the one saved at login. */
export function resolveToken(env: CliEnv, saved: Credentials | undefined): string {
  const token = env['AIRLOCK_TOKEN'] || saved?.token;
  if (!token) throw new CliError(EXIT.auth, 'Not logged in: run airlock login (or set AIRLOCK_TOKEN)');
  return token;
}

/** Request ids this CLI created, per server and user (`airlock requests`). */
type Known = Record<string, string[]>;
const knownFile = (env: CliEnv) => path.join(configDir(env), 'requests.json');
const knownKey = (url: string, userId: string) => `${url} ${userId}`;

export async function rememberRequest(env: CliEnv, url: string, userId: string, requestId: string): Promise<void> {
  const known = (await readJson<Known>(knownFile(env))) ?? {};
  const list = known[knownKey(url, userId)] ?? [];
  if (!list.includes(requestId)) list.push(requestId);
  known[knownKey(url, userId)] = list;
  await writeJson(knownFile(env), known);
}

export async function knownRequests(env: CliEnv, url: string, userId: string): Promise<string[]> {
  return (await readJson<Known>(knownFile(env)))?.[knownKey(url, userId)] ?? [];
}

// ---- OIDC device authorization grant (RFC 8628) ----------------------------------------------

type Discovery = { device_authorization_endpoint?: string; token_endpoint?: string };
type DeviceAuthorization = {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  interval?: number;
};

/** The issuer's device endpoint, or undefined when it offers no device code flow (or cannot be reached). */
export async function discoverDeviceFlow(issuer: string): Promise<{ device: string; token: string } | undefined> {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`).catch(() => undefined);
  if (!response?.ok) return undefined;
  const discovery = (await response.json().catch(() => ({}))) as Discovery;
  if (!discovery.device_authorization_endpoint || !discovery.token_endpoint) return undefined;
  return { device: discovery.device_authorization_endpoint, token: discovery.token_endpoint };
}

/**
 * The device code flow: ask for a code, show where to enter it, poll the token endpoint until the
 * person approves (honouring `slow_down`), or it is refused or expires.
 */
export async function deviceCodeLogin(
  endpoints: { device: string; token: string },
  clientId: string,
  scope: string,
  show: (message: string) => void,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<string> {
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(fields).toString(),
  });
  const started = await fetch(endpoints.device, form({ client_id: clientId, scope }));
  if (!started.ok) throw new CliError(EXIT.auth, `The issuer refused the device code request (${started.status})`);
  const grant = (await started.json()) as DeviceAuthorization;
  show(
    grant.verification_uri_complete
      ? `Open ${grant.verification_uri_complete} (code ${grant.user_code}) and approve this login.`
      : `Open ${grant.verification_uri} and enter the code ${grant.user_code}.`,
  );
  let interval = (grant.interval ?? 5) * 1000;
  const deadline = Date.now() + grant.expires_in * 1000;
  while (Date.now() < deadline) {
    await sleep(interval);
    const polled = await fetch(
      endpoints.token,
      form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: grant.device_code, client_id: clientId }),
    );
    const answer = (await polled.json().catch(() => ({}))) as { access_token?: string; error?: string };
    if (polled.ok && answer.access_token) return answer.access_token;
    if (answer.error === 'authorization_pending') continue;
    if (answer.error === 'slow_down') {
      interval += 5000;
      continue;
    }
    throw new CliError(EXIT.auth, `Login failed: ${answer.error ?? `HTTP ${polled.status}`}`);
  }
  throw new CliError(EXIT.auth, 'Login failed: the code expired before it was approved');
}
