import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { DevIdentityProvider, TokenVerifier } from '@airlock/auth';
import { AuthGuard, METRICS, ObservabilityController, READINESS_CHECKS, TOKEN_VERIFIER, type ReadinessCheck, type ServiceMetrics } from '@airlock/http';
import { webProviders, type Web } from '@airlock/web';
import { DEV_IDENTITY, DEV_ISSUER_OPTIONS, DevIdentityController, type DevIssuerOptions } from './dev-identity.controller';
import { AdminPagesController } from './admin-pages.controller';
import { ResearcherPagesController } from './researcher-pages.controller';
import { INGRESS_DEPS } from './ingress.tokens';
import { DownloadsController } from './downloads.controller';
import { RequestsController, type IngressDeps } from './requests.controller';

export type IngressModuleOptions = {
  deps: IngressDeps;
  tokens: TokenVerifier;
  metrics: ServiceMetrics;
  readiness: ReadinessCheck[];
  devIdentity?: DevIdentityProvider;
  /** The development issuer's sign-in page and code exchange (with devIdentity and the pages). */
  devIssuer?: DevIssuerOptions;
  /** The researchers' pages (libs/platform/web); absent, only the JSON API is served. */
  web?: Web;
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
    const controllers: DynamicModule['controllers'] = [RequestsController, DownloadsController, ObservabilityController];
    if (options.web) {
      const web = webProviders(options.web);
      providers.push(...web.providers);
      controllers.push(...web.controllers, ResearcherPagesController, AdminPagesController);
    }
    if (options.devIdentity) {
      providers.push({ provide: DEV_IDENTITY, useValue: options.devIdentity }, { provide: DEV_ISSUER_OPTIONS, useValue: options.devIssuer ?? { publicUrl: '', redirectUris: [] } });
      controllers.push(DevIdentityController);
    }
    return { module: IngressModule, providers, controllers };
  }
}
