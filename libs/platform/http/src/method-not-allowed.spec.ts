import { request as httpRequest } from 'node:http';
import { Controller, Get, HttpCode, Module, Param, Post, UseGuards } from '@nestjs/common';
import type { TokenVerifier } from '@airlock/auth';
import type { Actor } from '@airlock/domain';
import { AuthGuard, CurrentActor, TOKEN_VERIFIER } from './auth.guard';
import { startHttpService, type RunningHttpService } from './http-service';
import { METRICS, ObservabilityController, READINESS_CHECKS, createLogger, createMetrics } from './observability';

// Issue 9, finding 12: a method a path does not support is 405 with `Allow` (RFC 9110 §15.5.6), not
// a 404 that says the path does not exist. Every service's HTTP server is started by startHttpService.
class OneTokenVerifier implements TokenVerifier {
  async verify(header: string | undefined): Promise<Actor> {
    if (header === 'Bearer good') return { userId: 'alice', roles: ['researcher'] };
    throw Object.assign(new Error('no token'), { code: header ? 'TOKEN_INVALID' : 'TOKEN_MISSING' });
  }
}

@Controller('things')
@UseGuards(AuthGuard)
class ThingsController {
  @Get(':thingId')
  thing(@CurrentActor() actor: Actor, @Param('thingId') thingId: string) {
    return { thingId, owner: actor.userId };
  }

  @Post(':thingId/votes')
  @HttpCode(200)
  vote(@Param('thingId') thingId: string) {
    return { thingId };
  }
}

@Module({
  controllers: [ThingsController, ObservabilityController],
  providers: [
    { provide: TOKEN_VERIFIER, useClass: OneTokenVerifier },
    { provide: METRICS, useValue: createMetrics('things') },
    { provide: READINESS_CHECKS, useValue: [] },
    AuthGuard,
  ],
})
class ThingsModule {}

type Answer = { status: number; allow?: string; type?: string; body: string };

// fetch refuses TRACE (a forbidden method), so plain node:http.
function call(base: string, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers }, (res) => {
      let body = '';
      res
        .setEncoding('utf8')
        .on('data', (chunk: string) => (body += chunk))
        .on('end', () => {
          resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, type: res.headers['content-type'], body });
        });
    });
    req.on('error', reject).end();
  });
}

describe('a method the path does not support', () => {
  let service: RunningHttpService;
  const send = (method: string, path: string, headers?: Record<string, string>) => call(service.url, method, path, headers);

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

  it.each([
    ['TRACE', '/things/known', 'GET, HEAD'],
    ['DELETE', '/things/known', 'GET, HEAD'],
    ['PUT', '/things/known/votes', 'POST'],
    ['GET', '/things/known/votes', 'POST'],
    ['TRACE', '/health/live', 'GET, HEAD'],
    ['POST', '/metrics', 'GET, HEAD'],
  ])('%s %s answers 405 with Allow: %s, as problem+json', async (method, path, allow) => {
    const answer = await send(method, path);
    expect(answer).toMatchObject({ status: 405, allow });
    expect(answer.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 405, code: 'METHOD_NOT_ALLOWED', title: 'Method Not Allowed' });
  });

  it('is answered before authentication: the method is wrong whoever asks', async () => {
    expect(await send('TRACE', '/things/known', { authorization: 'Bearer good' })).toMatchObject({ status: 405 });
  });

  it.each([
    ['GET', '/nowhere'],
    ['TRACE', '/nowhere'],
    ['GET', '/things/known/elsewhere'],
  ])('%s %s, a path that does not exist, is still 404 ROUTE_NOT_FOUND', async (method, path) => {
    const answer = await send(method, path);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
  });

  it('leaves the supported methods alone', async () => {
    expect(await send('GET', '/things/known', { authorization: 'Bearer good' })).toMatchObject({ status: 200 });
    expect(await send('HEAD', '/things/known', { authorization: 'Bearer good' })).toMatchObject({ status: 200 });
    expect(await send('POST', '/things/known/votes', { authorization: 'Bearer good' })).toMatchObject({ status: 200 });
    expect(await send('GET', '/things/known')).toMatchObject({ status: 401 });
    expect(await send('GET', '/openapi.json')).toMatchObject({ status: 200 });
  });
});
