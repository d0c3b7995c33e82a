import { Readable } from 'node:stream';
import { CliError, EXIT, exitCodeForStatus, isRetryable } from './cli-core';

export type FileView = {
  fileId: string;
  name: string;
  group: string;
  kind: string;
  sha256: string;
  size: number;
  scan?: { outcome?: string; [k: string]: unknown };
  check?: { verdict: string; findings: { rule: string; verdict?: string; message?: string }[] };
  released: boolean;
  blocked: boolean;
};
export type RequestView = {
  requestId: string;
  projectId: string;
  title?: string;
  status: string;
  turn: number;
  version: number;
  reason?: string;
  files: FileView[];
  groups?: { group: string; context: string; controls: string }[];
  comments?: { text?: string; [k: string]: unknown }[];
};
export type UploadSession = {
  uploadId: string;
  name: string;
  group: string;
  kind: string;
  size: number;
  sha256: string;
  partSize: number;
  partCount: number;
  parts: { partNumber: number; size: number }[];
  bytesConfirmed: number;
  expiresAt: string;
};

type Problem = { code?: string; detail?: string; title?: string; [k: string]: unknown };

/** An HTTP answer that is not a success, with the exit code it maps to. */
export class ApiProblem extends CliError {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(
      exitCodeForStatus(status, problem.code),
      `${problem.detail ?? problem.title ?? `HTTP ${status}`}${problem.code ? ` (${status} ${problem.code})` : ` (${status})`}`,
      problem.code,
      problem,
    );
    this.name = 'ApiProblem';
  }
}

export type SendOptions = { json?: unknown; body?: Buffer | Uint8Array; headers?: Record<string, string>; signal?: AbortSignal; retries?: number };

/** The ingress API as the researcher's CLI calls it: bearer token, problem+json errors, retries of lost connections and 5xx. */
export class Api {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
    private readonly onRetry: (what: string, attempt: number, error: unknown) => void = () => undefined,
  ) {}

  async send<T>(method: string, path: string, options: SendOptions = {}): Promise<T> {
    const retries = options.retries ?? 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(method, path, options);
      } catch (error) {
        const again = error instanceof ApiProblem ? isRetryable(error.status) : error instanceof ConnectionError;
        if (!again || attempt >= retries) throw error;
        this.onRetry(`${method} ${path}`, attempt + 1, error);
        await new Promise((resolve) => setTimeout(resolve, Math.min(8_000, 250 * 2 ** attempt)));
      }
    }
  }

  private async once<T>(method: string, path: string, options: SendOptions): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...options.headers };
    if (this.token) headers['authorization'] = `Bearer ${this.token}`;
    let body: RequestInit['body'];
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      body = options.body as RequestInit['body'];
    }
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), { method, headers, body, signal: options.signal });
    } catch (error) {
      if (options.signal?.aborted) throw new CliError(EXIT.interrupted, 'Interrupted');
      throw new ConnectionError(
        `Cannot reach ${this.baseUrl}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`,
      );
    }
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = { detail: text.slice(0, 200) };
      }
    }
    if (!response.ok) throw new ApiProblem(response.status, (parsed ?? {}) as Problem);
    return parsed as T;
  }

  // ---- the calls -----------------------------------------------------------------------------
  createRequest(projectId: string, title: string) {
    return this.send<RequestView>('POST', '/requests', { json: { projectId, title } });
  }
  getRequest(requestId: string) {
    return this.send<RequestView>('GET', `/requests/${enc(requestId)}`, { retries: 3 });
  }
  setGroup(requestId: string, group: string, context: string, controls: string) {
    return this.send<RequestView>('PUT', `/requests/${enc(requestId)}/groups/${enc(group)}`, { json: { context, controls } });
  }
  submit(requestId: string) {
    return this.send<RequestView>('POST', `/requests/${enc(requestId)}/submit`);
  }
  listUploads(requestId: string) {
    return this.send<UploadSession[]>('GET', `/requests/${enc(requestId)}/uploads`, { retries: 3 });
  }
  startUpload(requestId: string, file: { name: string; size: number; sha256: string; group: string; kind: string }) {
    return this.send<UploadSession>('POST', `/requests/${enc(requestId)}/uploads`, { json: file, retries: 3 });
  }
  abortUpload(requestId: string, uploadId: string) {
    return this.send<void>('DELETE', `/requests/${enc(requestId)}/uploads/${enc(uploadId)}`, { retries: 3 });
  }
  putPart(requestId: string, uploadId: string, partNumber: number, bytes: Buffer, digestBase64: string, signal?: AbortSignal) {
    return this.send<{ partNumber: number; size: number; sha256: string }>('PUT', `/requests/${enc(requestId)}/uploads/${enc(uploadId)}/parts/${partNumber}`, {
      body: bytes,
      headers: { 'content-digest': `sha-256=:${digestBase64}:` },
      signal,
      retries: 5,
    });
  }
  completeUpload(requestId: string, uploadId: string, sha256: string) {
    return this.send<{ file: FileView; request: RequestView }>('POST', `/requests/${enc(requestId)}/uploads/${enc(uploadId)}/complete`, {
      json: { sha256 },
      retries: 3,
    });
  }
  /** The single-shot upload (no parts): the body streamed as it is read, for servers without resumable uploads. */
  async putFileStream(requestId: string, name: string, body: AsyncIterable<Uint8Array>, size: number, where: { group: string; kind: string }) {
    const query = new URLSearchParams(where);
    const init = {
      method: 'PUT',
      headers: { authorization: `Bearer ${this.token ?? ''}`, 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: Readable.toWeb(Readable.from(body)) as unknown as RequestInit['body'],
      duplex: 'half',
    } as RequestInit;
    let response: Response;
    try {
      response = await fetch(new URL(`/requests/${enc(requestId)}/files/${enc(name)}?${query}`, this.baseUrl), init);
    } catch (error) {
      throw new ConnectionError(`Cannot reach ${this.baseUrl}: ${(error as Error).message}`);
    }
    const text = await response.text();
    const parsed = (text ? JSON.parse(text) : {}) as unknown;
    if (!response.ok) throw new ApiProblem(response.status, parsed as Problem);
    return parsed as { file: FileView; request: RequestView };
  }

  removeFile(requestId: string, fileId: string) {
    return this.send<RequestView>('DELETE', `/requests/${enc(requestId)}/files/${enc(fileId)}`);
  }

  downloadLink(requestId: string, fileId: string) {
    return this.send<{ url: string; path: string; expiresAt: string }>('POST', `/requests/${enc(requestId)}/files/${enc(fileId)}/download-links`);
  }
}

/** The network failed (no answer at all). */
export class ConnectionError extends CliError {
  constructor(message: string) {
    super(EXIT.unavailable, message, 'CONNECTION_FAILED');
    this.name = 'ConnectionError';
  }
}

const enc = encodeURIComponent;
