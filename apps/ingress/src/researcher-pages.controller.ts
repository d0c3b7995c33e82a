import { Controller, Get, Inject, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Actor } from '@airlock/domain';
import { WEB, WebErrorFilter, WebSignedIn, type Web, type WebRequest } from '@airlock/web';
import type { Response } from 'express';
import { INGRESS_DEPS } from './ingress.tokens';
import { RequestsController, type IngressDeps } from './requests.controller';

// The researcher's pages (docs/adr/0011-web-pages.md). Every action calls the JSON API's own
// handler methods (RequestsController) or the services behind them, so there is one implementation.

@Controller('web')
@UseGuards(WebSignedIn)
@UseFilters(WebErrorFilter)
export class ResearcherPagesController {
  private readonly api: RequestsController;

  constructor(
    @Inject(INGRESS_DEPS) private readonly deps: IngressDeps,
    @Inject(WEB) private readonly web: Web,
  ) {
    this.api = new RequestsController(deps);
  }

  @Get()
  async home(@Req() request: WebRequest, @Res() response: Response) {
    const actor = request.actor as Actor;
    const mine = (await this.deps.authored?.of(actor.userId)) ?? [];
    this.web.render(response, 'requests-list.njk', { title: 'My requests', requests: mine.map(({ state }) => state) });
  }
}
