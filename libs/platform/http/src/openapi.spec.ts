import { Controller, Get, HttpCode, Module, Param, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, type OpenAPIObject } from '@nestjs/swagger';
import type { TokenVerifier } from '@airlock/auth';
import type { Actor } from '@airlock/domain';
import { AuthGuard, CurrentActor, TOKEN_VERIFIER } from './auth.guard';
import { startHttpService, type RunningHttpService } from './http-service';
import { METRICS, ObservabilityController, READINESS_CHECKS, createLogger, createMetrics } from './observability';
import { HttpProblem } from './problem';
import { AUTH_PROBLEMS, ApiDocument, ApiProblems, buildOpenApiDocument, documentedRoutes, mergeProblemCodes, registeredRoutes } from './openapi';

// A hand-written verifier: one good token, everything else refused as the real one would.
class OneTokenVerifier implements TokenVerifier {
  async verify(header: string | undefined): Promise<Actor> {
    if (header === 'Bearer good') return { userId: 'alice', roles: ['researcher'] };
    throw Object.assign(new Error('no token'), { code: header ? 'TOKEN_INVALID' : 'TOKEN_MISSING' });
  }
}

@ApiDocument({ title: 'Things API', description: 'For the test', version: '7' })
@Controller('things')
@UseGuards(AuthGuard)
class ThingsController {
  @Get(':thingId')
  @ApiOkResponse({ description: 'A thing' })
  @ApiProblems({ 404: ['THING_NOT_FOUND'] })
  thing(@CurrentActor() actor: Actor, @Param('thingId') thingId: string) {
    if (thingId !== 'known') throw new HttpProblem(404, 'THING_NOT_FOUND', 'No such thing');
    return { thingId, owner: actor.userId };
  }
}

@Controller('open')
class OpenController {
  @Post()
  @HttpCode(200)
  open() {
    return { open: true };
  }
}

@Module({
  controllers: [ThingsController, OpenController, ObservabilityController],
  providers: [
    { provide: TOKEN_VERIFIER, useClass: OneTokenVerifier },
    { provide: METRICS, useValue: createMetrics('things') },
    { provide: READINESS_CHECKS, useValue: [] },
    AuthGuard,
  ],
})
class ThingsModule {}

describe('the OpenAPI document every HTTP service serves', () => {
  let service: RunningHttpService;
  const get = (path: string, init?: RequestInit) => fetch(`${service.url}${path}`, init);
  const served = async () => (await (await get('/openapi.json')).json()) as OpenAPIObject;

  beforeAll(async () => {
    service = await startHttpService({
      module: ThingsModule,
      host: '127.0.0.1',
      port: 0,
      logger: createLogger('things', 'silent'),
      metrics: createMetrics('things'),
    });
  });
  afterAll(() => service.close());

  it('is served at /openapi.json, named by the controller that says which service it is', async () => {
    expect((await get('/openapi.json')).status).toBe(200);
    const document = await served();
    expect(document).toMatchObject({ openapi: '3.0.3', info: { title: 'Things API', version: '7' } });
    expect(document.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(document.components?.schemas?.Problem).toMatchObject({ required: ['type', 'title', 'status', 'code'] });
  });

  it('has a browsable page at /docs', async () => {
    const page = await get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('swagger-ui');
    const init = await get('/docs/swagger-ui-init.js');
    expect(await init.text()).toContain('Things API');
  });

  it('describes exactly the routes the server answers, without its own', async () => {
    const document = await served();
    expect(registeredRoutes(service.app)).toEqual(['GET /health/live', 'GET /health/ready', 'GET /metrics', 'GET /things/{thingId}', 'POST /open']);
    expect(documentedRoutes(document)).toEqual(registeredRoutes(service.app));
  });

  it('asks for the bearer token where AuthGuard is, and documents its refusals; nowhere else', async () => {
    const { paths } = buildOpenApiDocument(service.app);
    const thing = paths['/things/{thingId}'].get;
    expect(thing?.security).toEqual([{ bearer: [] }]);
    const codes = (status: string) =>
      (thing?.responses[status] as { content: Record<string, { schema: { allOf: { properties?: { code: { enum: string[] } } }[] } }> }).content[
        'application/problem+json'
      ].schema.allOf[1].properties?.code.enum;
    expect(codes('401')).toEqual(AUTH_PROBLEMS[401]);
    expect(codes('404')).toEqual(['THING_NOT_FOUND']);
    expect(paths['/open'].post?.security).toBeUndefined();
    expect(paths['/health/ready'].get).toMatchObject({ tags: ['operations'], responses: { 200: expect.anything(), 503: expect.anything() } });
  });

  it('documents what the server really answers', async () => {
    const refused = await get('/things/known');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(AUTH_PROBLEMS[401]).toContain(((await refused.json()) as { code: string }).code);
    const missing = await get('/things/other', { headers: { authorization: 'Bearer good' } });
    expect(await missing.json()).toMatchObject({ status: 404, code: 'THING_NOT_FOUND' });
  });
});

describe('problem codes', () => {
  it('merge per status, each code once, in the order given', () => {
    expect(mergeProblemCodes({ 403: ['A'], 404: ['B'] }, { 403: ['C', 'A'] })).toEqual({ 403: ['A', 'C'], 404: ['B'] });
  });
});
