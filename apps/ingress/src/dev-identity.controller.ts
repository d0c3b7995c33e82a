import { Body, Controller, Get, Inject, Post } from '@nestjs/common';
import type { DevIdentityProvider } from '@airlock/auth';
import type { ActorRole } from '@airlock/domain';
import { HttpProblem } from '@airlock/http';

export const DEV_IDENTITY = Symbol('DEV_IDENTITY');
const PERSON_ROLES: readonly ActorRole[] = ['researcher', 'output_checker', 'administrator', 'auditor'];

/**
 * Only mounted on the embedded default, where no OIDC provider is configured: it hands out
 * short-lived development tokens so `npm start` and `npm run demo` work with nothing installed.
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
