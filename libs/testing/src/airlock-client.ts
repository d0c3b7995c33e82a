// A small HTTP client for the public APIs, shared by the e2e tests, `npm run demo` and the benchmark.
export type ServiceUrls = { ingress: string; egressReview: string; audit: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { code?: string; detail?: string; [k: string]: unknown },
  ) {
    super(`HTTP ${status} ${body.code ?? ''}: ${body.detail ?? ''}`);
  }
}

type Json = Record<string, unknown>;
export type FileView = {
  fileId: string;
  name: string;
  group: string;
  kind: string;
  sha256: string;
  size: number;
  /** Imports only: the kind the name and bytes showed. */
  content?: { kind: string; mediaType: string; reason?: string };
  scan?: Json;
  check?: { verdict: string; findings: Json[] } & Json;
  approvals: number;
  votes?: Json[];
  feedback?: Json[];
  exceptions: Json[];
  released: boolean;
  blocked: boolean;
};
export type RequestView = {
  requestId: string;
  projectId: string;
  status: string;
  turn: number;
  authorId: string;
  direction: 'export' | 'import';
  destination: 'released' | 'imported';
  reason?: string;
  version: number;
  files: FileView[];
  actions: string[];
  comments: Json[];
  history: Json[];
  groups: Json[];
  policy?: Json;
  imports?: Json;
};

async function send<T>(url: string, init: RequestInit & { duplex?: 'half' }): Promise<T> {
  const response = await fetch(url, init);
  const text = await response.text();
  const body = text ? JSON.parse(text) : {};
  if (!response.ok) throw new ApiError(response.status, body);
  return body as T;
}

export class AirlockClient {
  constructor(
    readonly urls: ServiceUrls,
    private readonly token: string | undefined,
    private readonly sent: Record<string, string> = {},
  ) {}

  as(token: string | undefined): AirlockClient {
    return new AirlockClient(this.urls, token, this.sent);
  }

  /** The same client sending these headers with every call too (e.g. a `traceparent`). */
  withHeaders(headers: Record<string, string>): AirlockClient {
    return new AirlockClient(this.urls, this.token, { ...this.sent, ...headers });
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...this.sent, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  /** `direction` defaults (server side) to export. */
  createRequest(projectId: string, title: string, direction?: 'export' | 'import'): Promise<RequestView> {
    return send(`${this.urls.ingress}/requests`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ projectId, title, ...(direction ? { direction } : {}) }),
    });
  }

  getRequest(requestId: string): Promise<RequestView> {
    return send(`${this.urls.ingress}/requests/${requestId}`, { headers: this.headers() });
  }

  private json(method: string, url: string, payload: unknown = {}): Promise<RequestView> {
    return send(url, { method, headers: this.headers({ 'content-type': 'application/json' }), body: JSON.stringify(payload) });
  }

  defineGroup(requestId: string, group: string, context: string, controls: string): Promise<RequestView> {
    return this.json('PUT', `${this.urls.ingress}/requests/${requestId}/groups/${encodeURIComponent(group)}`, { context, controls });
  }

  upload(
    requestId: string,
    name: string,
    body: string | Uint8Array | AsyncIterable<Uint8Array> | ReadableStream,
    options: { kind?: string; group?: string; length?: number } = {},
  ): Promise<{ file: FileView; request: RequestView }> {
    const { kind = 'output', group = 'outputs', length } = options;
    const headers = this.headers({ 'content-type': 'application/octet-stream', ...(length !== undefined ? { 'content-length': String(length) } : {}) });
    const query = new URLSearchParams({ kind, group });
    return send(`${this.urls.ingress}/requests/${requestId}/files/${encodeURIComponent(name)}?${query}`, {
      method: 'PUT',
      headers,
      body: body as RequestInit['body'],
      duplex: 'half',
    });
  }

  removeFile(requestId: string, fileId: string): Promise<RequestView> {
    return send(`${this.urls.ingress}/requests/${requestId}/files/${fileId}`, { method: 'DELETE', headers: this.headers() });
  }

  withdraw(requestId: string): Promise<RequestView> {
    return this.json('POST', `${this.urls.ingress}/requests/${requestId}/withdraw`);
  }

  requestException(requestId: string, fileId: string, rule: string, justification: string): Promise<RequestView> {
    return this.json('POST', `${this.urls.ingress}/requests/${requestId}/files/${fileId}/exceptions`, { rule, justification });
  }

  researcherComment(requestId: string, text: string, fileId?: string): Promise<RequestView> {
    return this.json('POST', `${this.urls.ingress}/requests/${requestId}/comments`, { text, ...(fileId ? { fileId } : {}) });
  }

  downloadLink(requestId: string, fileId: string): Promise<{ url: string; path: string; expiresAt: string }> {
    return send(`${this.urls.ingress}/requests/${requestId}/files/${fileId}/download-links`, { method: 'POST', headers: this.headers() });
  }

  checkerComment(requestId: string, text: string, visibility: 'private' | 'public', fileId?: string): Promise<RequestView> {
    return this.json('POST', `${this.urls.egressReview}/reviews/${requestId}/comments`, { text, visibility, ...(fileId ? { fileId } : {}) });
  }

  admin<T = Json>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, payload?: unknown): Promise<T> {
    const init: RequestInit =
      payload === undefined
        ? { method, headers: this.headers() }
        : { method, headers: this.headers({ 'content-type': 'application/json' }), body: JSON.stringify(payload) };
    return send(`${this.urls.egressReview}/admin${path}`, init);
  }

  /** A project with its members, its checkers and everyone accredited for a year. */
  async setUpProject(projectId: string, people: { researchers: string[]; checkers: string[] }, policy?: Json): Promise<void> {
    await this.admin('POST', '/projects', { projectId, name: `Project ${projectId}`, ...(policy ? { policy } : {}) });
    const expiresAt = new Date(Date.now() + 365 * 24 * 3600 * 1000).toISOString();
    for (const userId of people.researchers) {
      await this.admin('PUT', `/projects/${projectId}/members/${userId}`);
      await this.admin('PUT', `/accreditations/${userId}`, { expiresAt });
    }
    for (const userId of people.checkers) {
      await this.admin('PUT', `/projects/${projectId}/checkers/${userId}`);
      await this.admin('PUT', `/accreditations/${userId}`, { expiresAt });
    }
  }

  submit(requestId: string): Promise<RequestView> {
    return send(`${this.urls.ingress}/requests/${requestId}/submit`, { method: 'POST', headers: this.headers() });
  }

  /** Asks for a single-use link, then follows it (as a browser would, without the token). */
  async download(requestId: string, fileId: string): Promise<Response> {
    const link = await this.downloadLink(requestId, fileId);
    return fetchLink(link.url);
  }

  listReviews(status?: string): Promise<{ items: { requestId: string; status: string; direction: string }[] }> {
    return send(`${this.urls.egressReview}/reviews${status ? `?status=${status}` : ''}`, { headers: this.headers() });
  }

  getReview(requestId: string): Promise<RequestView> {
    return send(`${this.urls.egressReview}/reviews/${requestId}`, { headers: this.headers() });
  }

  vote(requestId: string, fileId: string, decision: 'approve' | 'request_changes' | 'reject', extra: Json = {}): Promise<RequestView> {
    return send(`${this.urls.egressReview}/reviews/${requestId}/files/${fileId}/votes`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ decision, ...extra }),
    });
  }

  auditRecords(query: Record<string, string> = {}): Promise<{ items: { position: number; envelope: Json & { type: string; subject: string; id: string } }[] }> {
    return send(`${this.urls.audit}/audit/records?${new URLSearchParams(query)}`, { headers: this.headers() });
  }

  verifyAudit(): Promise<{ valid: boolean; count: number; firstInvalidPosition?: number }> {
    return send(`${this.urls.audit}/audit/verify`, { headers: this.headers() });
  }
}

export async function fetchLink(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new ApiError(response.status, (await response.json()) as ApiError['body']);
  return response;
}

/** Tokens from the development issuer that `npm start` serves on embedded defaults (AIRLOCK_DEV_IDENTITY=true). */
export async function devToken(ingressUrl: string, userId: string, roles: string[]): Promise<string> {
  const body = await send<{ access_token: string }>(`${ingressUrl}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, roles }),
  });
  return body.access_token;
}
