import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { DevIdentityProvider, TokenVerifier } from '@airlock/auth';
import { AuthGuard, METRICS, ObservabilityController, READINESS_CHECKS, TOKEN_VERIFIER, type ReadinessCheck, type ServiceMetrics } from '@airlock/http';
import { DEV_IDENTITY, DevIdentityController } from './dev-identity.controller';
import { INGRESS_DEPS } from './ingress.tokens';
import { DownloadsController } from './downloads.controller';
import { RequestsController, type IngressDeps } from './requests.controller';
import { UploadsController } from './uploads.controller';

export type IngressModuleOptions = {
  deps: IngressDeps;
  tokens: TokenVerifier;
  metrics: ServiceMetrics;
  readiness: ReadinessCheck[];
  devIdentity?: DevIdentityProvider;
};

@Module({})
export class IngressModule {
  static forRoot(options: IngressModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: INGRESS_DEPS, useValue: options.deps },
      { provide: TOKEN_VERIFIER, useValue: options.tokens },
      { provide: METRICS, useValue: options.metrics },
      { provide: READINESS_CHECKS, useValue: options.readiness },
      AuthGuard,
    ];
    const controllers: DynamicModule['controllers'] = [RequestsController, UploadsController, DownloadsController, ObservabilityController];
    if (options.devIdentity) {
      providers.push({ provide: DEV_IDENTITY, useValue: options.devIdentity });
      controllers.push(DevIdentityController);
    }
    return { module: IngressModule, providers, controllers };
  }
}
