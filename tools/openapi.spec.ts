import { readFile } from 'node:fs/promises';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject, OperationObject, ParameterObject } from '@nestjs/swagger';
import { buildOpenApiDocument, documentedRoutes, registeredRoutes } from '@airlock/http';
import { OPENAPI_SERVICES, openApiApp, openApiFile, openApiText, type OpenApiService } from './openapi';

// The OpenAPI documents match the implementation: the same routes as the server registers, and
// the checked-in docs/openapi/*.json are what the code generates (`npm run openapi` rewrites them).

/** What anyone may call without a token: a download link is its own authority. */
const HEALTH = ['GET /health/live', 'GET /health/ready', 'GET /metrics'];
const OPEN_ROUTES: Record<OpenApiService, string[]> = {
  ingress: ['GET /downloads/{token}', ...HEALTH],
  'egress-review': HEALTH,
  // The checkpoint key is public: anyone verifying an export offline needs it.
  audit: ['GET /audit/public-key', 'GET /audit/public-keys', ...HEALTH],
  'disclosure-check': HEALTH,
};
/** Fewer would mean routes went missing (disclosure-check serves health and metrics only). */
const MIN_ROUTES: Record<OpenApiService, number> = { ingress: 6, 'egress-review': 6, audit: 8, 'disclosure-check': 3 };

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
    let info;
    ({ app, info, close } = await openApiApp(service));
    document = buildOpenApiDocument(app, info);
  });
  afterAll(() => close());

  it('describes every route the server registers, with the same method and path, and no other', () => {
    const registered = registeredRoutes(app);
    expect(registered.length).toBeGreaterThanOrEqual(MIN_ROUTES[service]);
    expect(documentedRoutes(document)).toEqual(registered);
  });

  it('declares every path parameter of every template', () => {
    for (const { route, path, operation } of operations(document)) {
      const declared = ((operation.parameters ?? []) as ParameterObject[])
        .filter((p) => p.in === 'path')
        .map((p) => p.name)
        .sort();
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect({ route, parameters: declared }).toEqual({ route, parameters: templated });
    }
  });

  it('asks for the bearer token on every route but the open ones', () => {
    const open = operations(document)
      .filter((o) => !o.operation.security)
      .map((o) => o.route);
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

// Issue 9, finding 12: the audit API's filters are query parameters; a client (or a fuzzer) only
// knows them from the document, with their types and bounds as the parser enforces them.
const FILTER = ['requestId', 'userId', 'projectId', 'fileHash', 'type', 'since', 'until', 'from', 'to'];
const AUDIT_QUERY: Record<string, string[]> = {
  'GET /audit/records': [...FILTER, 'after', 'limit'],
  'GET /audit/verify': ['from', 'to'],
  'GET /audit/export': [...FILTER, 'format'],
  'GET /audit/checkpoints': ['limit'],
};

describe('the audit OpenAPI document', () => {
  let document: OpenAPIObject;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const opened = await openApiApp('audit');
    close = opened.close;
    document = buildOpenApiDocument(opened.app, opened.info);
  });
  afterAll(() => close());

  const query = (route: string) => {
    const found = operations(document).find((o) => o.route === route);
    return ((found?.operation.parameters ?? []) as ParameterObject[]).filter((p) => p.in === 'query');
  };
  const schemaOf = (route: string, name: string) => query(route).find((p) => p.name === name)?.schema as Record<string, unknown> | undefined;

  it.each(Object.entries(AUDIT_QUERY))('lists the query parameters of %s, each typed and optional', (route, names) => {
    const parameters = query(route);
    expect(parameters.map((p) => p.name).sort()).toEqual([...names].sort());
    for (const p of parameters) {
      expect({ name: p.name, required: p.required ?? false, type: (p.schema as { type?: string } | undefined)?.type }).toEqual({
        name: p.name,
        required: false,
        type: expect.any(String),
      });
    }
  });

  it('gives the bounds the parser enforces', () => {
    expect(schemaOf('GET /audit/records', 'limit')).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000, default: 100 });
    expect(schemaOf('GET /audit/records', 'after')).toMatchObject({ type: 'integer', minimum: 0 });
    expect(schemaOf('GET /audit/checkpoints', 'limit')).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000, default: 20 });
    expect(schemaOf('GET /audit/verify', 'from')).toMatchObject({ type: 'integer', minimum: 1, default: 1 });
    expect(schemaOf('GET /audit/verify', 'to')).toMatchObject({ type: 'integer', minimum: 1 });
    expect(schemaOf('GET /audit/records', 'fileHash')).toMatchObject({ type: 'string', pattern: '^[0-9a-fA-F]{64}$' });
    expect(schemaOf('GET /audit/records', 'since')).toMatchObject({ type: 'string', format: 'date-time' });
    expect(schemaOf('GET /audit/records', 'requestId')).toMatchObject({ type: 'string', maxLength: 512 });
    expect(schemaOf('GET /audit/export', 'format')).toMatchObject({ type: 'string', enum: ['jsonl', 'cef'], default: 'jsonl' });
  });

  it('names the range refusals of verify among its problem codes', () => {
    const verify = operations(document).find((o) => o.route === 'GET /audit/verify');
    expect(JSON.stringify(verify?.operation.responses?.['400'])).toEqual(expect.stringContaining('AUDIT_RANGE_BEYOND_END'));
  });
});
