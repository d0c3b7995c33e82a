import { ApiExcludeController } from '@nestjs/swagger';
import {
  ArgumentsHost,
  Catch,
  Controller,
  Get,
  HttpCode,
  Inject,
  Injectable,
  Post,
  Query,
  Req,
  Res,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  type INestApplication,
  type Provider,
  type Type,
} from '@nestjs/common';
import { AuthError, type TokenVerifier } from '@airlock/auth';
import type { Actor } from '@airlock/domain';
import { TOKEN_VERIFIER, toProblem } from '@airlock/http';
import cookieParser from 'cookie-parser';
import express, { urlencoded, type NextFunction, type Request, type Response } from 'express';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import nunjucks from 'nunjucks';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { CSRF_FIELD, CSRF_HEADER, csrfTokensMatch, newCsrfToken } from './csrf';
import { OidcClient, OidcError, type LoginTransaction } from './oidc-client';
import { MultipartError } from './multipart';
import { bytesInPlainWords, scanInPlainWords, statusInPlainWords, verdictInPlainWords } from './plain-words';
import { SealedCookies } from './sealed-cookie';
import type { WebOptions } from './web-options';

// Server-rendered pages for any service (docs/adr/0011-web-pages.md): nunjucks templates on GOV.UK
// Frontend, sealed session cookies, session-bound CSRF tokens, a strict CSP, and OIDC sign-in with
// authorization code + PKCE. Pages call the same application code as the JSON API.

export const WEB = Symbol('WEB');

export type SignedInUser = { userId: string; roles: readonly string[]; token: string };
export type WebSession = { sid: string; csrf: string; user?: SignedInUser };
export type WebRequest = Request & { web?: { session: WebSession }; actor?: Actor };

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const LOGIN_COOKIE_MINUTES = 10;
const FORM_LIMIT = '256kb';

/** Thrown by WebSignedIn when nobody (or an expired token) is signed in; answered with a redirect to sign in. */
export class SignInRequired extends Error {
  constructor(readonly returnTo: string) {
    super('Sign in required');
  }
}

/** A page's refusal with its status and a sentence for the person (no stack, no codes). */
export class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function securityHeaders(response: Response, extraFormActions: readonly string[] = []): void {
  const formAction = ["'self'", ...extraFormActions].join(' ');
  response.set({
    'Content-Security-Policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      "connect-src 'self'",
      "manifest-src 'self'",
      `form-action ${formAction}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });
}

export class Web {
  readonly oidc: OidcClient;
  private readonly cookies: SealedCookies;
  private readonly env: nunjucks.Environment;
  private readonly loginCookie: string;

  constructor(
    readonly options: WebOptions,
    private readonly logger: Logger,
  ) {
    this.cookies = new SealedCookies(options.sessionSecret);
    this.loginCookie = `${options.cookieName}_login`;
    this.oidc = new OidcClient({ ...options.oidc, redirectUri: `${options.publicUrl}${options.basePath}/auth/callback` });
    const loader = new nunjucks.FileSystemLoader([...(options.viewDirs ?? []), path.join(__dirname, 'views'), govukRoot(), mojRoot()]);
    this.env = new nunjucks.Environment(loader, { autoescape: true, throwOnUndefined: false });
    this.env.addFilter('plainStatus', statusInPlainWords);
    this.env.addFilter('plainScan', scanInPlainWords);
    this.env.addFilter('plainVerdict', verdictInPlainWords);
    this.env.addFilter('plainBytes', bytesInPlainWords);
  }

  get basePath(): string {
    return this.options.basePath;
  }

  /** Express middleware for the pages, before any route: assets, headers, session, form parsing and the CSRF check. */
  install(app: INestApplication): void {
    const base = this.options.basePath;
    const assets = `${base}/assets`;
    const staticOptions = { fallthrough: false, index: false, maxAge: '1h', setHeaders: javascriptModules };
    const css = {
      govuk: rewrittenCss(path.join(govukRoot(), 'govuk', 'govuk-frontend.min.css'), `${assets}/govuk/assets/`),
      moj: rewrittenCss(path.join(mojRoot(), 'moj', 'moj-frontend.min.css'), `${assets}/moj/assets/`),
    };
    const pagePaths = [base, ...(this.options.formPaths ?? [])];
    const isPage = (p: string) => pagePaths.some((prefix) => p === prefix || p.startsWith(`${prefix}/`));
    const parseForm = urlencoded({ extended: false, limit: FORM_LIMIT, parameterLimit: 100 });
    app.use(`${assets}`, (request: Request, response: Response, next: NextFunction) => {
      securityHeaders(response);
      response.set('Cache-Control', 'public, max-age=3600');
      next();
    });
    app.use(`${assets}/govuk/govuk-frontend.min.css`, (_request: Request, response: Response) => void response.type('text/css').send(css.govuk));
    app.use(`${assets}/moj/moj-frontend.min.css`, (_request: Request, response: Response) => void response.type('text/css').send(css.moj));
    app.use(`${assets}/govuk`, express.static(path.join(govukRoot(), 'govuk'), staticOptions));
    app.use(`${assets}/moj`, express.static(path.join(mojRoot(), 'moj'), staticOptions));
    app.use(`${assets}/web`, express.static(path.join(__dirname, 'assets'), staticOptions));
    if (this.options.assetDir) app.use(`${assets}/service`, express.static(this.options.assetDir, staticOptions));
    app.use(cookieParser());
    app.use((request: WebRequest, response: Response, next: NextFunction) => {
      if (!isPage(request.path)) return next();
      securityHeaders(response);
      request.web = { session: this.session(request, response) };
      if (!UNSAFE_METHODS.has(request.method)) return next();
      if (request.is('multipart/form-data')) {
        // Only routes that check the token themselves, field by field as the body streams, take multipart.
        const declared = (this.options.multipartRoutes ?? []).some((r) => r.method === request.method && r.path.test(request.path));
        return declared ? next() : this.refuseCsrf(response);
      }
      parseForm(request, response, (error?: unknown) => {
        if (error) return next(error);
        const submitted = (request.body as Record<string, unknown> | undefined)?.[CSRF_FIELD] ?? request.headers[CSRF_HEADER];
        if (!this.csrfValid(request, submitted)) return this.refuseCsrf(response);
        next();
      });
    });
  }

  /** For multipart handlers: the token arrived in the form's first field. */
  csrfValid(request: WebRequest, submitted: unknown): boolean {
    return csrfTokensMatch(request.web?.session.csrf, submitted);
  }

  refuseCsrf(response: Response): void {
    response
      .status(403)
      .type('html')
      .send(
        this.renderPage(
          'web-error.njk',
          { title: 'Forbidden', message: 'The form had expired or did not come from this service. Go back, reload the page and try again.' },
          undefined,
        ),
      );
  }

  /** Renders a page with the layout's context: service name, signed-in user, CSRF token, base path. */
  render(response: Response, view: string, context: Record<string, unknown> = {}, status = 200): void {
    const request = response.req as WebRequest;
    response
      .status(status)
      .type('html')
      .send(this.renderPage(view, context, request.web?.session));
  }

  renderPage(view: string, context: Record<string, unknown>, session: WebSession | undefined): string {
    return this.env.render(view, {
      ...context,
      serviceName: this.options.serviceName,
      basePath: this.options.basePath,
      assetPath: `${this.options.basePath}/assets`,
      csrfField: CSRF_FIELD,
      csrfToken: session?.csrf,
      user: session?.user ? { userId: session.user.userId, roles: session.user.roles } : undefined,
    });
  }

  /** Starts a sign-in: the login transaction goes in its own SameSite=Lax cookie, so it survives the provider's redirect back. */
  async beginSignIn(response: Response, returnTo: string | undefined): Promise<string> {
    const { transaction, location } = await this.oidc.begin(this.safeReturnTo(returnTo));
    const expires = Date.now() + LOGIN_COOKIE_MINUTES * 60_000;
    response.cookie(this.loginCookie, this.cookies.seal(this.loginCookie, transaction, expires), {
      ...this.cookieOptions(expires),
      sameSite: 'lax',
      path: `${this.options.basePath}/auth`,
    });
    return location;
  }

  /** Finishes a sign-in: checks `state`, exchanges the code with the verifier, verifies the token, starts a fresh session. */
  async completeSignIn(request: WebRequest, response: Response, verifier: TokenVerifier, query: Record<string, unknown>): Promise<string> {
    const transaction = this.cookies.open<LoginTransaction>(this.loginCookie, request.cookies?.[this.loginCookie]);
    response.clearCookie(this.loginCookie, { ...this.cookieOptions(0), sameSite: 'lax', path: `${this.options.basePath}/auth` });
    if (!transaction) throw new PageError(400, 'This sign-in has expired or was started elsewhere. Start again.');
    if (!csrfTokensMatch(transaction.state, query['state'])) throw new PageError(400, 'This sign-in could not be verified (state mismatch). Start again.');
    if (typeof query['error'] === 'string') throw new PageError(403, 'The identity provider did not sign you in.');
    if (typeof query['code'] !== 'string' || query['code'].length > 2048) throw new PageError(400, 'The identity provider sent no code.');
    const { accessToken } = await this.oidc.exchange(query['code'], transaction);
    const actor = await verifier.verify(`Bearer ${accessToken}`);
    // A fresh session id and CSRF token at sign-in: nothing from before survives it.
    const session: WebSession = {
      sid: randomBytes(16).toString('base64url'),
      csrf: newCsrfToken(),
      user: { userId: actor.userId, roles: actor.roles, token: accessToken },
    };
    this.saveSession(response, session, tokenExpiry(accessToken));
    if (request.web) request.web.session = session;
    this.logger.info({ userId: actor.userId, roles: actor.roles }, 'signed in to the pages');
    return transaction.returnTo;
  }

  signOut(request: WebRequest, response: Response): void {
    const session = { sid: randomBytes(16).toString('base64url'), csrf: newCsrfToken() };
    this.saveSession(response, session);
    if (request.web) request.web.session = session;
  }

  /** Only paths of these pages: anything else (another host, `//`, a backslash) returns to the home page. */
  safeReturnTo(value: unknown): string {
    const home = `${this.options.basePath}/`;
    if (typeof value !== 'string' || value.length > 1024) return home;
    if (!value.startsWith(home) || value.includes('//') || value.includes('\\') || /\p{Cc}/u.test(value)) return home;
    return value;
  }

  private session(request: Request, response: Response): WebSession {
    const opened = this.cookies.open<WebSession>(this.options.cookieName, request.cookies?.[this.options.cookieName]);
    if (opened && typeof opened.csrf === 'string') return opened;
    const fresh = { sid: randomBytes(16).toString('base64url'), csrf: newCsrfToken() };
    this.saveSession(response, fresh);
    return fresh;
  }

  private saveSession(response: Response, session: WebSession, tokenExpiresAt?: number): void {
    const longest = Date.now() + (this.options.sessionHours ?? 8) * 3_600_000;
    const expires = Math.min(longest, tokenExpiresAt ?? longest);
    response.cookie(this.options.cookieName, this.cookies.seal(this.options.cookieName, session, expires), this.cookieOptions(expires));
  }

  private cookieOptions(expires: number) {
    return { httpOnly: true, secure: this.options.secureCookies, sameSite: 'strict' as const, path: '/', expires: new Date(expires) };
  }
}

/** Page routes behind this guard need a signed-in person whose token still verifies; it sets `request.actor` as AuthGuard does. */
@Injectable()
export class WebSignedIn implements CanActivate {
  constructor(@Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<WebRequest>();
    const returnTo = request.method === 'GET' ? request.originalUrl : undefined;
    const user = request.web?.session.user;
    if (!user) throw new SignInRequired(returnTo ?? '');
    try {
      request.actor = await this.verifier.verify(`Bearer ${user.token}`);
    } catch (error) {
      if (error instanceof AuthError && error.code !== 'ISSUER_UNAVAILABLE') throw new SignInRequired(returnTo ?? '');
      throw error;
    }
    return true;
  }
}

/** Page errors as pages: sign-in redirects, then the problem's status with a plain sentence. */
@Catch()
export class WebErrorFilter implements ExceptionFilter {
  constructor(@Inject(WEB) private readonly web: Web) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error instanceof SignInRequired) {
      const returnTo = this.web.safeReturnTo(error.returnTo);
      response.redirect(303, `${this.web.basePath}/sign-in?returnTo=${encodeURIComponent(returnTo)}`);
      return;
    }
    if (error instanceof PageError || error instanceof MultipartError)
      return this.web.render(response, 'web-error.njk', { title: titleFor(error.status), message: error.message }, error.status);
    if (error instanceof OidcError) return this.web.render(response, 'web-error.njk', { title: 'Sign-in failed', message: error.message }, 502);
    const problem = toProblem(error);
    const message = problem.status >= 500 ? 'Something went wrong on our side. Try again in a few minutes.' : problem.detail;
    this.web.render(response, 'web-error.njk', { title: titleFor(problem.status), message }, problem.status);
  }
}

function titleFor(status: number): string {
  if (status === 404) return 'Page not found';
  if (status === 403) return 'You cannot do this';
  if (status === 409) return 'This cannot be done now';
  if (status === 503) return 'Service unavailable';
  if (status >= 500) return 'Sorry, there is a problem with the service';
  return 'There is a problem';
}

/** Sign-in, its callback, sign-out. */
// Pages, not API: kept out of the OpenAPI document (the JSON APIs they call are in it).
@ApiExcludeController()
@Controller('web')
export class WebAuthController {
  constructor(
    @Inject(WEB) private readonly web: Web,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
  ) {}

  @Get('sign-in')
  async signIn(@Query('returnTo') returnTo: unknown, @Res() response: Response) {
    response.redirect(303, await this.web.beginSignIn(response, typeof returnTo === 'string' ? returnTo : undefined));
  }

  /**
   * The provider sends the browser back here (a cross-site navigation, which carries no SameSite=Strict
   * cookie), so this answers a page that moves on by itself: the next request is same-site and has the session.
   */
  @Get('auth/callback')
  async callback(@Req() request: WebRequest, @Res() response: Response, @Query() query: Record<string, unknown>) {
    const returnTo = await this.web.completeSignIn(request, response, this.verifier, query);
    this.web.render(response, 'web-continue.njk', { title: 'Signed in', next: returnTo });
  }

  @Post('sign-out')
  @HttpCode(303)
  signOut(@Req() request: WebRequest, @Res() response: Response) {
    this.web.signOut(request, response);
    response.redirect(303, `${this.web.basePath}/signed-out`);
  }

  @Get('signed-out')
  signedOut(@Res() response: Response) {
    this.web.render(response, 'web-signed-out.njk', { title: 'You have signed out' });
  }
}

/** What a service module adds for its pages: the Web instance, the guard, the filter and the sign-in controller. */
export function webProviders(web: Web): { providers: Provider[]; controllers: Type<unknown>[] } {
  return { providers: [{ provide: WEB, useValue: web }, WebSignedIn, WebErrorFilter], controllers: [WebAuthController] };
}

/** The access token's `exp`, read without verifying (it was just verified): the session ends with it. */
function tokenExpiry(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function govukRoot(): string {
  return path.join(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist');
}

function mojRoot(): string {
  return path.dirname(require.resolve('@ministryofjustice/frontend/package.json'));
}

/** The design systems' CSS points at /assets/; here their files live under the service's own path. */
function rewrittenCss(file: string, assetsUrl: string): string {
  return readFileSync(file, 'utf8').replaceAll('url(/assets/', `url(${assetsUrl}`);
}

/** Module scripts must be served as JavaScript, or nosniff makes the browser refuse them. */
function javascriptModules(response: Response, file: string): void {
  if (file.endsWith('.mjs') || file.endsWith('.js')) response.setHeader('Content-Type', 'text/javascript; charset=utf-8');
}
