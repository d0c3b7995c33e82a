import { SetMetadata, applyDecorators, type INestApplication, type Type } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { ApiHeader, ApiResponse, DocumentBuilder, SwaggerModule, type OpenAPIObject, type OperationObject } from '@nestjs/swagger';
import { AuthGuard } from './auth.guard';

// OpenAPI 3 for our HTTP services, built from the controllers themselves so it cannot drift:
// every service serves it at GET /openapi.json with a browsable page at GET /docs.
export const OPENAPI_JSON_PATH = '/openapi.json';
export const OPENAPI_UI_PATH = '/docs';
export const BEARER_SCHEME = 'bearer';

export type ApiDocumentInfo = { title: string; description: string; version: string };
const API_DOCUMENT = 'airlock:openapi-document';
const FALLBACK_INFO: ApiDocumentInfo = { title: 'Airlock API', description: 'Airlock service API.', version: '1' };

/** Names the document of the service this controller belongs to (put it on one controller per service). */
export const ApiDocument = (info: ApiDocumentInfo): ClassDecorator => SetMetadata(API_DOCUMENT, info);

// RFC 9457 problem details: what every error is answered with (see problem.ts).
const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details. `code` is stable and machine-readable; other members may carry details of the refusal.',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', format: 'uri', example: 'https://airlock.dev/problems/not-author' },
    title: { type: 'string', example: 'Forbidden' },
    status: { type: 'integer', example: 403 },
    code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$', example: 'NOT_AUTHOR' },
    detail: { type: 'string', example: 'Only the author of the request may do this' },
  },
  additionalProperties: true,
};
const PROBLEM_REF = '#/components/schemas/Problem';

export type ProblemCodes = Partial<Record<number, readonly string[]>>;

/**
 * Any route behind AuthGuard: the token is checked against the issuer's JWKS before anything else.
 * A refusal whose audit record cannot be written is answered 503 AUDIT_UNAVAILABLE.
 */
export const AUTH_PROBLEMS: ProblemCodes = { 401: ['TOKEN_MISSING', 'TOKEN_INVALID', 'TOKEN_EXPIRED'], 503: ['ISSUER_UNAVAILABLE', 'AUDIT_UNAVAILABLE'] };
/** Any route with a JSON body (the parser answers before the route runs). */
export const JSON_BODY_PROBLEMS: ProblemCodes = { 400: ['MALFORMED_JSON', 'INVALID_BODY'], 413: ['ENTITY_TOO_LARGE'] };
/** Any route reading or appending to the event store. */
export const STORE_PROBLEMS: ProblemCodes = { 409: ['STREAM_VERSION_CONFLICT'], 503: ['DATABASE_UNAVAILABLE'] };

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'No valid access token',
  403: 'Refused',
  404: 'Not found',
  409: 'Conflict with the current state',
  410: 'Gone',
  412: 'Precondition failed: what you read has changed',
  413: 'Too large',
  422: 'Refused by a rule',
  503: 'A dependency is unavailable; retry later',
};

export function mergeProblemCodes(...groups: ProblemCodes[]): ProblemCodes {
  const merged: Record<number, string[]> = {};
  for (const group of groups) {
    for (const [status, codes] of Object.entries(group)) {
      const list = (merged[Number(status)] ??= []);
      for (const code of codes ?? []) if (!list.includes(code)) list.push(code);
    }
  }
  return merged;
}

function problemResponse(status: number, codes: readonly string[]) {
  return {
    description: `${STATUS_TEXT[status] ?? 'Error'}: ${codes.join(', ')}`,
    content: {
      'application/problem+json': {
        schema: { allOf: [{ $ref: PROBLEM_REF }, { type: 'object', properties: { code: { type: 'string', enum: [...codes] } } }] },
      },
    },
  };
}

/** The problem+json responses of a route, with the `code`s each status can carry. */
export function ApiProblems(...groups: ProblemCodes[]): MethodDecorator & ClassDecorator {
  const merged = mergeProblemCodes(...groups);
  return applyDecorators(
    ...Object.entries(merged).map(([status, codes = []]) => ApiResponse({ status: Number(status), ...problemResponse(Number(status), codes) })),
  );
}

// Optimistic concurrency (request-context.ts): the ETag a read answers with, and If-Match on a change.
export type ETagKind = 'version' | 'view';
const ETAG_TEXT: Record<ETagKind, string> = {
  version: 'The version read, e.g. `"7"`; send it back as If-Match to decide a change against exactly this version.',
  view:
    'An opaque tag of the view as the caller sees it; send it back as If-Match to decide a change against exactly this view. ' +
    "It is not the stream's version, which would count other checkers' blinded votes.",
};
/** The ETag response header, for `headers` of a success response. */
export const etagHeader = (kind: ETagKind) => ({ ETag: { description: ETAG_TEXT[kind], schema: { type: 'string' } } });
export const VERSION_ETAG = etagHeader('version');
export const VIEW_ETAG = etagHeader('view');

const IF_MATCH_PATTERN: Record<ETagKind, string> = {
  version: '^(\\*|(W/)?"?[0-9]{1,9}"?)$',
  view: '^(\\*|(W/)?"[!#-~]{1,128}")$',
};

/**
 * The If-Match request header of a change: with it the change is decided against exactly what
 * the caller read, or refused 412 STALE_VERSION with no retry; without it a lost race is retried.
 */
export function ApiIfMatch(kind: ETagKind): MethodDecorator {
  return ApiHeader({
    name: 'If-Match',
    required: false,
    schema: { type: 'string', pattern: IF_MATCH_PATTERN[kind] },
    description: `The ETag of your last read (${kind === 'version' ? 'e.g. `"7"`' : 'opaque'}): the change applies only if nothing changed since; otherwise 412 STALE_VERSION. \`*\` or no header: apply to the current state.`,
  });
}
/** What If-Match can be answered with: put it with the route's other codes in `ApiProblems`. */
export const IF_MATCH_PROBLEMS: ProblemCodes = { 400: ['INVALID_IF_MATCH'], 412: ['STALE_VERSION'] };

function controllersOf(app: INestApplication): Type<unknown>[] {
  return [...app.get(ModulesContainer).values()].flatMap((module) =>
    [...module.controllers.values()].flatMap((wrapper) => (wrapper.metatype ? [wrapper.metatype as Type<unknown>] : [])),
  );
}

function documentInfo(controllers: Type<unknown>[], fallback: ApiDocumentInfo): ApiDocumentInfo {
  const found = new Set(controllers.flatMap((c) => (Reflect.getMetadata(API_DOCUMENT, c) as ApiDocumentInfo | undefined) ?? []));
  if (found.size > 1) throw new Error('More than one controller names the OpenAPI document of this service');
  return [...found][0] ?? fallback;
}

const operationId = (controller: string, method: string) => `${controller}_${method}`;

/** Operation ids of the handlers behind AuthGuard (on the controller or the handler). */
function guardedOperations(controllers: Type<unknown>[]): Set<string> {
  const guarded = (target: object) => ((Reflect.getMetadata(GUARDS_METADATA, target) as unknown[] | undefined) ?? []).includes(AuthGuard);
  return new Set(
    controllers.flatMap((controller) =>
      Object.getOwnPropertyNames(controller.prototype)
        .filter((method) => method !== 'constructor' && typeof controller.prototype[method] === 'function')
        .filter((method) => guarded(controller) || guarded(controller.prototype[method]))
        .map((method) => operationId(controller.name, method)),
    ),
  );
}

/** The guard, not a decorator, decides: every guarded operation needs the bearer token and may answer 401. */
function describeAuthentication(operation: OperationObject, guarded: boolean): OperationObject {
  if (!guarded) return operation;
  const responses = { ...operation.responses };
  for (const [status, codes = []] of Object.entries(AUTH_PROBLEMS)) responses[status] ??= problemResponse(Number(status), codes);
  return { ...operation, security: operation.security ?? [{ [BEARER_SCHEME]: [] }], responses };
}

/**
 * The OpenAPI 3 document of a Nest application, from its controllers' routes and decorators.
 * `info` names a service none of whose controllers carries `@ApiDocument` (one serving health only).
 */
export function buildOpenApiDocument(app: INestApplication, fallback: ApiDocumentInfo = FALLBACK_INFO): OpenAPIObject {
  const controllers = controllersOf(app);
  const info = documentInfo(controllers, fallback);
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.0.3')
    .setTitle(info.title)
    .setDescription(info.description)
    .setVersion(info.version)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: "An OIDC access token from the TRE's identity provider; roles come from its claims.",
      },
      BEARER_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, { autoTagControllers: false, operationIdFactory: operationId });
  document.components = { ...document.components, schemas: { Problem: PROBLEM_SCHEMA, ...document.components?.schemas } };
  const guarded = guardedOperations(controllers);
  for (const item of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = (item as Record<string, OperationObject | undefined>)[method];
      if (operation) (item as Record<string, OperationObject>)[method] = describeAuthentication(operation, guarded.has(operation.operationId ?? ''));
    }
  }
  for (const [path, operation] of Object.entries(OPERATIONS)) {
    const get = document.paths[path]?.get;
    if (get) document.paths[path].get = { ...get, ...operation, tags: ['operations'] };
  }
  return document;
}

// ObservabilityController's routes, the same in every service (described here, it carries no decorators).
const READINESS = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    checks: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, ok: { type: 'boolean' } } } },
  },
};
const OPERATIONS: Record<string, { summary: string; responses: Record<string, { description: string; content: Record<string, { schema: object }> }> }> = {
  '/health/live': {
    summary: 'Liveness: the process answers',
    responses: {
      200: { description: 'Alive', content: { 'application/json': { schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } } } },
    },
  },
  '/health/ready': {
    summary: 'Readiness: every dependency answers',
    responses: {
      200: { description: 'Ready', content: { 'application/json': { schema: READINESS } } },
      503: { description: 'A dependency does not answer', content: { 'application/json': { schema: READINESS } } },
    },
  },
  '/metrics': {
    summary: 'Prometheus metrics',
    responses: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
  },
};

/** Serves the document at GET /openapi.json and Swagger UI at GET /docs. Call before `listen`. */
export function mountOpenApi(app: INestApplication, info?: ApiDocumentInfo): OpenAPIObject {
  const document = buildOpenApiDocument(app, info);
  SwaggerModule.setup(OPENAPI_UI_PATH.slice(1), app, document, {
    jsonDocumentUrl: OPENAPI_JSON_PATH.slice(1),
    raw: ['json'],
    customSiteTitle: document.info.title,
  });
  return document;
}

export type RouteSignature = `${Uppercase<string>} ${string}`;
const isDocsRoute = (path: string) => path === OPENAPI_JSON_PATH || path === OPENAPI_UI_PATH || path.startsWith(`${OPENAPI_UI_PATH}/`);

/** The routes the HTTP server really answers (Express's router after `init`), as `GET /requests/{requestId}`. */
export function registeredRoutes(app: INestApplication): RouteSignature[] {
  type Layer = { route?: { path: string; methods: Record<string, boolean> } };
  const router = (app.getHttpAdapter().getInstance() as { router: { stack: Layer[] } }).router;
  return router.stack
    .flatMap((layer) => (layer.route ? Object.keys(layer.route.methods).map((m) => ({ method: m, path: layer.route?.path ?? '' })) : []))
    .filter((r) => !isDocsRoute(r.path) && r.method !== '_all')
    .map((r) => `${r.method.toUpperCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}` as RouteSignature)
    .sort();
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** The operations a document describes, in the same form as `registeredRoutes`. */
export function documentedRoutes(document: OpenAPIObject): RouteSignature[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((k) => HTTP_METHODS.includes(k))
        .map((m) => `${m.toUpperCase()} ${path}` as RouteSignature),
    )
    .sort();
}
