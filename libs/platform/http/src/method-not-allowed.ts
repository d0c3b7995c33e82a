import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { problem } from './problem';

type RouteLayer = { route?: { methods: Record<string, boolean | undefined> }; match(path: string): unknown };

/** The methods the server answers at this path (HEAD wherever GET is, as Express serves it); empty if the path is unknown. */
export function allowedMethods(app: INestApplication, path: string): string[] {
  const router = (app.getHttpAdapter().getInstance() as { router: { stack: RouteLayer[] } }).router;
  const allowed = new Set<string>();
  for (const layer of router.stack) {
    if (!layer.route || !layer.match(path)) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') allowed.add(method.toUpperCase());
    // A route for every method (`@All`) allows whatever is asked: leave it to the route.
    if (layer.route.methods._all) return [];
  }
  if (allowed.has('GET')) allowed.add('HEAD');
  return [...allowed].sort();
}

/**
 * RFC 9110 §15.5.6: a path that exists but does not support the method answers 405 with `Allow`,
 * not a 404 that says the path does not exist (TRACE, a DELETE on a read-only route...). Mounted
 * before the routes, so it also answers before authentication: the method is wrong whoever asks.
 * OPTIONS is left to Express, which answers it with `Allow` itself.
 */
export function methodNotAllowed(app: INestApplication) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (request.method === 'OPTIONS') return next();
    const allowed = allowedMethods(app, request.path);
    if (allowed.length === 0 || allowed.includes(request.method)) return next();
    const body = problem(405, 'METHOD_NOT_ALLOWED', `${request.method} is not supported here; allowed: ${allowed.join(', ')}`);
    response.status(405).setHeader('Allow', allowed.join(', '));
    response.type('application/problem+json').send(JSON.stringify(body));
  };
}
