import { Body, Controller, Get, Inject, Post } from '@nestjs/common';
import type { DevIdentityProvider } from '@airlock/auth';
import type { ActorRole } from '@airlock/domain';
import { HttpProblem } from '@airlock/http';

export const DEV_IDENTITY = Symbol('DEV_IDENTITY');
const PERSON_ROLES: readonly ActorRole[] = ['researcher', 'output_checker', 'administrator', 'auditor'];

/**
 * Only mounted with the development opt-in (AIRLOCK_DEV_IDENTITY=true, which @airlock/config refuses
 * with real servers, a non-loopback address or an OIDC issuer): it hands out short-lived tokens for
 * any role so `npm start` and `npm run demo` work with nothing installed. Each one is logged.
 */
@Controller('dev')
export class DevIdentityController {
  constructor(@Inject(DEV_IDENTITY) private readonly identity: DevIdentityProvider) {}

  @Get('jwks')
  jwks() {
    return this.identity.jwks();
  }

  @Post('token')
  async token(@Body() body: unknown) {
    const { userId, roles } = (body ?? {}) as { userId?: unknown; roles?: unknown };
    if (typeof userId !== 'string' || !/^[\w.@-]{1,64}$/.test(userId)) throw new HttpProblem(400, 'INVALID_BODY', 'userId is required');
    if (!Array.isArray(roles) || !roles.every((r) => PERSON_ROLES.includes(r))) {
      throw new HttpProblem(400, 'INVALID_BODY', `roles must be a list of ${PERSON_ROLES.join(', ')}`);
    }
    return { access_token: await this.identity.issue({ userId, roles, ttlSeconds: 3600 }), token_type: 'Bearer', expires_in: 3600 };
  }
}
