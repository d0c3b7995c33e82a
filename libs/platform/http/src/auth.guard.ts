import { CanActivate, ExecutionContext, Inject, Injectable, createParamDecorator } from '@nestjs/common';
import type { TokenVerifier } from '@airlock/auth';
import type { Actor } from '@airlock/domain';
import type { Request } from 'express';

export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');

type AuthenticatedRequest = Request & { actor?: Actor };

/** Every route behind this guard needs a valid OIDC access token; refusals become 401/503 problems. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(@Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.actor = await this.verifier.verify(request.headers.authorization);
    return true;
  }
}

export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) throw new Error('CurrentActor used on a route without AuthGuard');
  return actor;
});
