import { randomBytes } from 'node:crypto';
import type { AirlockConfig } from '@airlock/config';
import type { Logger } from 'pino';

export type WebService = 'ingress' | 'egress-review';

/** Everything a service's pages need; built from the service configuration by webOptionsFor. */
export type WebOptions = {
  /** Shown in the header and page titles. */
  serviceName: string;
  /** The session cookie's name; unique per service, so services on one host do not clash. */
  cookieName: string;
  /** Where the pages live, e.g. /web; the assets are served under `${basePath}/assets`. */
  basePath: string;
  /** The service's public base URL, on which the sign-in redirect URI is built. */
  publicUrl: string;
  /** At least 32 bytes; sessions and login transactions are sealed with keys derived from it. */
  sessionSecret: Buffer;
  /** Mark cookies Secure (served over TLS). */
  secureCookies: boolean;
  oidc: { discoveryUrl: string; clientId: string; clientSecret?: string; scope?: string };
  /** The service's own template folders, searched before the shared ones. */
  viewDirs?: readonly string[];
  /** The service's own asset folder, served at `${basePath}/assets/service/`. */
  assetDir?: string;
  /** Paths outside basePath that also render forms (e.g. the development issuer's sign-in page). */
  formPaths?: readonly string[];
  /** Multipart routes (method and path) whose handler checks the CSRF token itself, as the body streams. */
  multipartRoutes?: readonly { method: string; path: RegExp }[];
  /** How long a session lasts at most (it also ends with the access token). Default 8 hours. */
  sessionHours?: number;
};

export const SERVICE_TITLES: Record<WebService, string> = {
  ingress: 'Airlock: outputs',
  'egress-review': 'Airlock: output checking',
};

/**
 * The pages' settings from the service configuration: the OIDC client (AIRLOCK_OIDC_CLIENT_ID, optional
 * AIRLOCK_OIDC_CLIENT_SECRET, discovery from AIRLOCK_OIDC_DISCOVERY_URL or the issuer), the session secret
 * (AIRLOCK_WEB_SESSION_SECRET; without it one is generated per start, so sessions end with the process).
 * Undefined when the service has no public URL to send the browser back to.
 */
export function webOptionsFor(config: AirlockConfig, service: WebService, logger: Logger, overrides: Partial<WebOptions> = {}): WebOptions | undefined {
  const publicUrl = service === 'ingress' ? config.http.publicUrls.ingress : config.http.publicUrls.egressReview;
  if (!publicUrl) {
    logger.warn({ service }, 'no public URL for this service (AIRLOCK_PUBLIC_EGRESS_REVIEW_URL): its pages are off');
    return undefined;
  }
  const discoveryUrl = config.web.discoveryUrl;
  if (!discoveryUrl) {
    logger.warn({ service }, 'no OIDC discovery document: the pages are off');
    return undefined;
  }
  let sessionSecret = config.web.sessionSecret;
  if (!sessionSecret) {
    sessionSecret = randomBytes(32);
    if (!config.devIdentity) logger.warn({ service }, 'AIRLOCK_WEB_SESSION_SECRET is not set: a key was generated, so sessions end when this process does');
  }
  return {
    serviceName: SERVICE_TITLES[service],
    cookieName: `airlock_${service.replace('-', '_')}`,
    basePath: '/web',
    publicUrl,
    sessionSecret,
    secureCookies: config.web.secureCookies ?? publicUrl.startsWith('https:'),
    oidc: { discoveryUrl, clientId: config.web.clientId, ...(config.web.clientSecret ? { clientSecret: config.web.clientSecret } : {}) },
    ...overrides,
  };
}
