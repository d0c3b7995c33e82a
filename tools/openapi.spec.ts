import { readFile } from 'node:fs/promises';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject, OperationObject, ParameterObject } from '@nestjs/swagger';
import { buildOpenApiDocument, documentedRoutes, registeredRoutes } from '@airlock/http';
import { OPENAPI_SERVICES, openApiApp, openApiFile, openApiText, type OpenApiService } from './openapi';

// The OpenAPI documents match the implementation: the same routes as the server registers, and
// the checked-in docs/openapi/*.json are what the code generates (`npm run openapi` rewrites them).

/** What anyone may call without a token: a download link is its own authority. */
const OPEN_ROUTES: Record<OpenApiService, string[]> = {
  ingress: ['GET /downloads/{token}', 'GET /health/live', 'GET /health/ready', 'GET /metrics'],
  'egress-review': ['GET /health/live', 'GET /health/ready', 'GET /metrics'],
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const operations = (document: OpenAPIObject) =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] ? [{ route: `${method.toUpperCase()} ${path}`, path, operation: item[method] as OperationObject }] : [])),
  );

describe.each(OPENAPI_SERVICES)('the OpenAPI document of %s', (service) => {
  let app: INestApplication;
  let close: () => Promise<void>;
  let document: OpenAPIObject;

  beforeAll(async () => {
    ({ app, close } = await openApiApp(service));
    document = buildOpenApiDocument(app);
  });
  afterAll(() => close());

  it('describes every route the server registers, with the same method and path, and no other', () => {
    const registered = registeredRoutes(app);
    expect(registered.length).toBeGreaterThan(5);
    expect(documentedRoutes(document)).toEqual(registered);
  });

  it('declares every path parameter of every template', () => {
    for (const { route, path, operation } of operations(document)) {
      const declared = ((operation.parameters ?? []) as ParameterObject[]).filter((p) => p.in === 'path').map((p) => p.name).sort();
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect({ route, parameters: declared }).toEqual({ route, parameters: templated });
    }
  });

  it('asks for the bearer token on every route but the open ones', () => {
    const open = operations(document).filter((o) => !o.operation.security).map((o) => o.route);
    expect(open.sort()).toEqual([...OPEN_ROUTES[service]].sort());
  });

  it('documents a success and the problem responses, with their codes, of every operation', () => {
    for (const { route, operation } of operations(document)) {
      const statuses = Object.keys(operation.responses);
      expect({ route, success: statuses.some((s) => s.startsWith('2')) }).toEqual({ route, success: true });
      if (operation.security) expect({ route, unauthorized: statuses.includes('401') }).toEqual({ route, unauthorized: true });
    }
  });

  it('is checked in as generated (run `npm run openapi` after changing a route)', async () => {
    const checkedIn = await readFile(openApiFile(service), 'utf8').catch(() => '(missing)');
    expect(checkedIn).toBe(openApiText(document));
  });
});
