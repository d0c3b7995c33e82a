import { type DynamicModule, type INestApplication, type LoggerService, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomTransportStrategy, MicroserviceOptions } from '@nestjs/microservices';
import type { NextFunction, Request, Response } from 'express';
import type { AccessRecorder } from '@airlock/access-log';
import type { Logger } from 'pino';
import { json } from 'express';
import type { ServiceMetrics } from './observability';
import { methodNotAllowed } from './method-not-allowed';
import { mountOpenApi, type ApiDocumentInfo } from './openapi';
import { ProblemFilter, toProblem } from './problem.filter';

class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}

export type HttpServiceOptions = {
  module: DynamicModule | Type<unknown>;
  host: string;
  port: number;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Where refused actions are recorded for the audit log. */
  accessLog?: AccessRecorder;
  /**
   * Routes whose body is a raw stream (uploads): never parsed, whatever their Content-Type, so a
   * file sent as `application/json` is stored byte for byte instead of being eaten by the parser.
   */
  rawBodyRoutes?: readonly { method: string; path: RegExp }[];
  /** Names the OpenAPI document when no controller carries `@ApiDocument`. */
  document?: ApiDocumentInfo;
  /**
   * Microservice transports served by the same application (a hybrid app), such as the message
   * bus consumers: they start listening before HTTP does, and stop when the application closes.
   */
  microservices?: readonly CustomTransportStrategy[];
  /** Express middleware of the service's own, installed before any route (e.g. the pages', libs/platform/web). */
  configure?: (app: INestApplication) => void;
};

export type RunningHttpService = { app: INestApplication; url: string; close(): Promise<void> };

/**
 * A JSON string that is not well-formed UTF-16 (a lone surrogate, sent as a `\ud800` escape), or that
 * holds U+0000, can be
 * neither stored (PostgreSQL's jsonb refuses it: the append would fail) nor shown, nor hashed the
 * same way by every reader of the audit chain: the body is refused with the other malformed JSON.
 */
// eslint-disable-next-line no-control-regex -- U+0000 is what this looks for
const UNSTORABLE = /[\p{Cs}\u0000]/u;
function wellFormedOnly(key: string, value: unknown): unknown {
  if (UNSTORABLE.test(key) || (typeof value === 'string' && UNSTORABLE.test(value))) {
    throw new SyntaxError('JSON strings must be well-formed Unicode without U+0000 (this one holds a lone surrogate or a \\u0000 escape)');
  }
  return value;
}

export async function startHttpService(options: HttpServiceOptions): Promise<RunningHttpService> {
  const { logger, metrics } = options;
  // Our own JSON parser with a small limit: uploads are raw streams and never go through it.
  const app = await NestFactory.create(options.module, { logger: new PinoNestLogger(logger), bodyParser: false });
  const parseJson = json({ limit: '256kb', type: ['application/json', 'application/*+json'], reviver: wellFormedOnly });
  const rawBodyRoutes = options.rawBodyRoutes ?? [];
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (rawBodyRoutes.some((route) => route.method === request.method && route.path.test(request.path))) return next();
    parseJson(request, response, next);
  });
  // Body-parser failures (malformed JSON, too large) answer here, before any route runs.
  app.use((error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (!error) return next();
    const body = toProblem(error);
    response.status(body.status).type('application/problem+json').send(JSON.stringify(body));
  });
  app.use((request: Request, response: Response, next: NextFunction) => {
    const end = metrics.httpDuration.startTimer({ method: request.method });
    response.on('finish', () => {
      const route = (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
      end({ route });
      metrics.httpRequests.inc({ method: request.method, route, status: String(response.statusCode) });
      logger.info(
        { method: request.method, route, status: response.statusCode, actor: (request as Request & { actor?: { userId: string } }).actor?.userId },
        'http',
      );
    });
    next();
  });
  options.configure?.(app);
  app.use(methodNotAllowed(app));
  app.useGlobalFilters(new ProblemFilter(logger, options.accessLog));
  mountOpenApi(app, options.document);
  app.enableShutdownHooks();
  // Not inheriting the HTTP app's global filters: an RPC handler's error must reach its transport as thrown.
  for (const strategy of options.microservices ?? []) app.connectMicroservice<MicroserviceOptions>({ strategy }, { inheritAppConfig: false });
  try {
    await app.startAllMicroservices();
    await app.listen(options.port, options.host);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, close: () => app.close() };
}
