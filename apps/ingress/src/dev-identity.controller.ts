import { Body, Controller, Get, Inject, Optional, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { AuthorizationCodes, OAuthError, parseAuthorizationRequest, type AuthorizationRequest, type DevIdentityProvider } from '@airlock/auth';
import type { ActorRole } from '@airlock/domain';
import { HttpProblem } from '@airlock/http';
import { WEB, WebErrorFilter, PageError, securityHeaders, type Web } from '@airlock/web';
import type { Request, Response } from 'express';

export const DEV_IDENTITY = Symbol('DEV_IDENTITY');
export const DEV_ISSUER_OPTIONS = Symbol('DEV_ISSUER_OPTIONS');
const PERSON_ROLES: readonly ActorRole[] = ['researcher', 'output_checker', 'administrator', 'auditor'];
const USER_ID = /^[\w.@-]{1,64}$/;
const TOKEN_SECONDS = 3600;

/** Where the development issuer is reached, and the only URIs its sign-in page may send a browser back to. */
export type DevIssuerOptions = { publicUrl: string; redirectUris: readonly string[] };

/**
 * Only mounted with the development opt-in (AIRLOCK_DEV_IDENTITY=true, which @airlock/config refuses
 * with real servers, a non-loopback address or an OIDC issuer): it hands out short-lived tokens for
 * any role so `npm start` and `npm run demo` work with nothing installed. Each one is logged.
 * The pages sign in through it as through Keycloak: discovery, an authorization page (the developer
 * types a user id and picks roles), and the code exchanged with PKCE (S256) at the token endpoint.
 */
@Controller('dev')
export class DevIdentityController {
  private readonly codes = new AuthorizationCodes();

  constructor(
    @Inject(DEV_IDENTITY) private readonly identity: DevIdentityProvider,
    @Inject(DEV_ISSUER_OPTIONS) private readonly options: DevIssuerOptions,
    @Optional() @Inject(WEB) private readonly web?: Web,
  ) {}

  @Get('jwks')
  jwks() {
    return this.identity.jwks();
  }

  @Get('.well-known/openid-configuration')
  discovery() {
    const base = `${this.options.publicUrl}/dev`;
    return {
      issuer: this.identity.issuer,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
      jwks_uri: `${base}/jwks`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      scopes_supported: ['openid'],
    };
  }

  /** The sign-in page: refuses (and never redirects) unless the redirect URI is one configured. */
  @Get('authorize')
  @UseFilters(WebErrorFilter)
  authorize(@Query() query: Record<string, unknown>, @Res() response: Response) {
    const request = this.parse(query);
    this.render(response, request, {});
  }

  @Post('authorize')
  @UseFilters(WebErrorFilter)
  signIn(@Body() body: Record<string, unknown>, @Res() response: Response) {
    const request = this.parse(body);
    const userId = typeof body['userId'] === 'string' ? body['userId'].trim() : '';
    const picked = ([] as unknown[]).concat(body['roles'] ?? []);
    const roles = PERSON_ROLES.filter((role) => picked.includes(role));
    const errors: Record<string, string> = {};
    if (!USER_ID.test(userId)) errors['userId'] = 'Enter a user id of 1 to 64 letters, digits, dots, @, _ or -';
    if (roles.length === 0 || picked.length !== roles.length) errors['roles'] = 'Select at least one role';
    if (Object.keys(errors).length > 0) return this.render(response, request, { userId, roles, errors }, 400);
    const code = this.codes.issue(request, { userId, roles, ...(request.nonce ? { nonce: request.nonce } : {}) });
    const target = new URL(request.redirectUri);
    target.searchParams.set('code', code);
    target.searchParams.set('state', request.state);
    // A form's redirect to another origin (egress-review's pages) must be allowed by form-action.
    securityHeaders(response, [new URL(request.redirectUri).origin]);
    response.redirect(303, target.toString());
  }

  /**
   * Two grants: `authorization_code` (a form, from the pages, with PKCE), and the JSON shortcut of
   * issue 9 (`{ userId, roles }`) that scripts and the demo use.
   */
  @Post('token')
  async token(@Body() body: unknown, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const input = (body ?? {}) as Record<string, unknown>;
    if (input['grant_type'] !== undefined) return this.exchange(input, response);
    if (!request.is('application/json')) throw new HttpProblem(400, 'INVALID_BODY', 'userId is required');
    const { userId, roles } = input;
    if (typeof userId !== 'string' || !USER_ID.test(userId)) throw new HttpProblem(400, 'INVALID_BODY', 'userId is required');
    if (!Array.isArray(roles) || !roles.every((r) => PERSON_ROLES.includes(r))) {
      throw new HttpProblem(400, 'INVALID_BODY', `roles must be a list of ${PERSON_ROLES.join(', ')}`);
    }
    return { access_token: await this.identity.issue({ userId, roles, ttlSeconds: TOKEN_SECONDS }), token_type: 'Bearer', expires_in: TOKEN_SECONDS };
  }

  private async exchange(input: Record<string, unknown>, response: Response) {
    response.set('Cache-Control', 'no-store');
    response.status(200);
    try {
      if (input['grant_type'] !== 'authorization_code') throw new OAuthError('unsupported_grant_type', 'Only authorization_code is supported');
      const grant = this.codes.redeem({
        code: input['code'],
        clientId: input['client_id'],
        redirectUri: input['redirect_uri'],
        codeVerifier: input['code_verifier'],
      });
      const accessToken = await this.identity.issue({ userId: grant.userId, roles: grant.roles, ttlSeconds: TOKEN_SECONDS });
      const idToken = await this.identity.issueIdToken({
        userId: grant.userId,
        clientId: String(input['client_id']),
        ...(grant.nonce ? { nonce: grant.nonce } : {}),
      });
      return { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: TOKEN_SECONDS };
    } catch (error) {
      if (error instanceof OAuthError) {
        response.status(400);
        return { error: error.error, error_description: error.message };
      }
      throw error;
    }
  }

  private parse(query: Record<string, unknown>): AuthorizationRequest {
    if (!this.web) throw new HttpProblem(404, 'NOT_FOUND', 'The pages are off, and with them this sign-in page');
    try {
      return parseAuthorizationRequest(query, this.options.redirectUris);
    } catch (error) {
      if (error instanceof OAuthError) throw new PageError(400, `This sign-in request is not valid: ${error.message}.`);
      throw error;
    }
  }

  private render(
    response: Response,
    request: AuthorizationRequest,
    form: { userId?: string; roles?: readonly string[]; errors?: Record<string, string> },
    status = 200,
  ) {
    this.web?.render(
      response,
      'dev-authorize.njk',
      { title: 'Sign in to the development issuer', request, form, roles: PERSON_ROLES, errors: form.errors },
      status,
    );
  }
}
