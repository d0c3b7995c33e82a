import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { RegistryError, RequestError } from '@airlock/domain';
import { refusalAccessEvent, type AccessRecorder } from '@airlock/access-log';
import type { Actor } from '@airlock/domain';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { HttpProblem, problem, statusForRegistryError, statusForRequestError, type Problem } from './problem';

// Codes raised by adapters (auth, storage, event store, scanner). Unavailable dependencies map
// to 503: the caller retries later, nothing passes a gate by default (fail closed).
const ADAPTER_CODES: Record<string, number> = {
  TOKEN_MISSING: 401,
  TOKEN_INVALID: 401,
  TOKEN_EXPIRED: 401,
  ISSUER_UNAVAILABLE: 503,
  STREAM_VERSION_CONFLICT: 409,
  STALE_VERSION: 412,
  OBJECT_TOO_LARGE: 413,
  EVENT_TOO_LARGE: 413,
  OBJECT_NOT_FOUND: 404,
  INVALID_KEY: 400,
  HASH_MISMATCH: 422,
  STORAGE_UNAVAILABLE: 503,
  SCANNER_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  BUS_UNAVAILABLE: 503,
};

const codeOf = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined;

export function toProblem(error: unknown): Problem {
  if (error instanceof RequestError) {
    return problem(statusForRequestError(error.code), error.code, error.message, error.details);
  }
  if (error instanceof RegistryError) {
    return problem(statusForRegistryError(error.code), error.code, error.message, error.details);
  }
  if (error instanceof HttpProblem) return problem(error.status, error.code, error.message, error.extensions);
  const code = codeOf(error);
  if (code && ADAPTER_CODES[code]) return problem(ADAPTER_CODES[code], code, (error as Error).message);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const name = status === 404 ? 'ROUTE_NOT_FOUND' : status === 413 ? 'PAYLOAD_TOO_LARGE' : 'HTTP_ERROR';
    return problem(status, name, error.message);
  }
  // body-parser's errors carry a status and a type such as 'entity.parse.failed'.
  const status = (error as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const type = String((error as { type?: unknown }).type ?? 'bad.request');
    return problem(status, type === 'entity.parse.failed' ? 'MALFORMED_JSON' : type.toUpperCase().replace(/\./g, '_'), (error as Error).message);
  }
  return problem(500, 'INTERNAL_ERROR', 'An unexpected error occurred; it has been logged');
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly accessLog?: AccessRecorder,
  ) {}

  /**
   * Invariant 5: every refused action (401, 403) reaches the audit log as an access event, written
   * to the outbox in PostgreSQL (the events' durable path) before the refusal is answered.
   * Resolves false when it could not be written.
   */
  private async recordRefusal(request: Request & { actor?: Actor }, status: number, code: string): Promise<boolean> {
    const refusal = refusalAccessEvent({
      status,
      code,
      method: request.method,
      route: (request.route as { path?: string } | undefined)?.path,
      path: request.path,
      actor: request.actor,
      clientAddress: request.ip,
      at: new Date().toISOString(),
    });
    if (!refusal || !this.accessLog) return true;
    try {
      await this.accessLog.record(refusal);
      return true;
    } catch (err) {
      this.logger.error({ err, code }, 'refusal not recorded: answering 503');
      return false;
    }
  }

  catch(error: unknown, host: ArgumentsHost): Promise<void> {
    return this.answer(error, host).catch((err: unknown) => {
      this.logger.error({ err }, 'problem response failed');
      host.switchToHttp().getResponse<Response>().destroy();
    });
  }

  private async answer(error: unknown, host: ArgumentsHost): Promise<void> {
    const response = host.switchToHttp().getResponse<Response>();
    let body = toProblem(error);
    // Fail closed: a refusal that the audit log would not see is not answered as a refusal.
    if (!(await this.recordRefusal(host.switchToHttp().getRequest(), body.status, body.code))) {
      body = problem(503, 'AUDIT_UNAVAILABLE', 'The refusal could not be recorded in the audit log; retry later');
    }
    if (body.status >= 500) this.logger.error({ err: error, code: body.code }, 'request failed');
    else this.logger.info({ code: body.code, status: body.status }, 'request refused');
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.status(body.status).type('application/problem+json').send(JSON.stringify(body));
  }
}
