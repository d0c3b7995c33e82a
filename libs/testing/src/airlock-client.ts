// A small HTTP client for the public APIs, shared by the e2e tests, `npm run demo` and the benchmark.
export type ServiceUrls = { ingress: string; egressReview: string; audit: string };

export class ApiError extends Error {
  constructor(readonly status: number, readonly body: { code?: string; detail?: string; [k: string]: unknown }) {
    super(`HTTP ${status} ${body.code ?? ''}: ${body.detail ?? ''}`);
  }
}

type Json = Record<string, unknown>;
export type FileView = { fileId: string; name: string; kind: string; sha256: string; size: number; scan?: Json; check?: { verdict: string; findings: Json[] } & Json; approvals: number; released: boolean; blocked: boolean };
export type RequestView = { requestId: string; status: string; turn: number; authorId: string; reason?: string; version: number; files: FileView[]; actions: string[] };

async function send<T>(url: string, init: RequestInit & { duplex?: 'half' }): Promise<T> {
  const response = await fetch(url, init);
  const text = await response.text();
  const body = text ? JSON.parse(text) : {};
  if (!response.ok) throw new ApiError(response.status, body);
  return body as T;
}

export class AirlockClient {
  constructor(readonly urls: ServiceUrls, private readonly token: string | undefined) {}

  as(token: string | undefined): AirlockClient {
    return new AirlockClient(this.urls, token);
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  createRequest(projectId: string, title: string): Promise<RequestView> {
    return send(`${this.urls.ingress}/requests`, { method: 'POST', headers: this.headers({ 'content-type': 'application/json' }), body: JSON.stringify({ projectId, title }) });
  }

  getRequest(requestId: string): Promise<RequestView> {
    return send(`${this.urls.ingress}/requests/${requestId}`, { headers: this.headers() });
  }

  upload(requestId: string, name: string, body: string | Uint8Array | AsyncIterable<Uint8Array> | ReadableStream, kind = 'output', length?: number): Promise<{ file: FileView; request: RequestView }> {
    const headers = this.headers({ 'content-type': 'application/octet-stream', ...(length !== undefined ? { 'content-length': String(length) } : {}) });
    return send(`${this.urls.ingress}/requests/${requestId}/files/${encodeURIComponent(name)}?kind=${kind}`, { method: 'PUT', headers, body: body as RequestInit['body'], duplex: 'half' });
  }

  submit(requestId: string): Promise<RequestView> {
    return send(`${this.urls.ingress}/requests/${requestId}/submit`, { method: 'POST', headers: this.headers() });
  }

  async download(requestId: string, fileId: string): Promise<Response> {
    const response = await fetch(`${this.urls.ingress}/requests/${requestId}/files/${fileId}/content`, { headers: this.headers() });
    if (!response.ok) throw new ApiError(response.status, (await response.json()) as ApiError['body']);
    return response;
  }

  listReviews(status?: string): Promise<{ items: { requestId: string; status: string }[] }> {
    return send(`${this.urls.egressReview}/reviews${status ? `?status=${status}` : ''}`, { headers: this.headers() });
  }

  getReview(requestId: string): Promise<RequestView> {
    return send(`${this.urls.egressReview}/reviews/${requestId}`, { headers: this.headers() });
  }

  vote(requestId: string, fileId: string, decision: 'approve' | 'reject', extra: Json = {}): Promise<RequestView> {
    return send(`${this.urls.egressReview}/reviews/${requestId}/files/${fileId}/votes`, {
      method: 'POST', headers: this.headers({ 'content-type': 'application/json' }), body: JSON.stringify({ decision, ...extra }),
    });
  }

  auditRecords(query: Record<string, string> = {}): Promise<{ items: { position: number; envelope: Json & { type: string; subject: string; id: string } }[] }> {
    return send(`${this.urls.audit}/audit/records?${new URLSearchParams(query)}`, { headers: this.headers() });
  }

  verifyAudit(): Promise<{ valid: boolean; count: number; firstInvalidPosition?: number }> {
    return send(`${this.urls.audit}/audit/verify`, { headers: this.headers() });
  }
}

/** Tokens from the development issuer that `npm start` serves when no OIDC provider is set. */
export async function devToken(ingressUrl: string, userId: string, roles: string[]): Promise<string> {
  const body = await send<{ access_token: string }>(`${ingressUrl}/dev/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, roles }),
  });
  return body.access_token;
}
