import { createParamDecorator, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { map, type Observable } from 'rxjs';
import { HttpProblem } from './problem';

// Optimistic concurrency over HTTP (ETag / If-Match): a client that read a request (or a
// project) can ask that its change be decided against exactly what it read. Controllers take
// the header with `@IfMatch()` and pass it to the command handler, which refuses a stale one
// with 412 STALE_VERSION and does not retry; without If-Match a lost race is retried.

const invalid = () => new HttpProblem(400, 'INVALID_IF_MATCH', 'If-Match must be the ETag the GET returned, e.g. "7"');

/** The raw If-Match header of the HTTP request; `*` (any version) is the same as none. */
export const IfMatch = createParamDecorator((_data: unknown, context: ExecutionContext): string | undefined => {
  const header = context.switchToHttp().getRequest<Request>().headers['if-match'];
  return header === undefined || header.trim() === '*' ? undefined : header;
});

/** If-Match as a stream version: the ETag of a researcher's or an administrator's read. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) throw invalid();
  return Number(match[1]);
}

/**
 * If-Match as an opaque view tag (a checker's ETag, which must not carry the stream's version).
 * Any well-formed tag is accepted here; one that is not the current view's is then 412.
 */
export function parseViewTag(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"([\x21\x23-\x7e]{1,128})"\s*$/.exec(header);
  if (!match) throw invalid();
  return match[1];
}

/**
 * Sets the ETag of a response from its body: `tagOf` answers the tag (without quotes) or
 * undefined for a body that has none. Declared per controller, so each says which tag its
 * audience may see.
 */
export function etagFromBody(tagOf: (body: unknown) => string | undefined): NestInterceptor {
  return {
    intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
      return next.handle().pipe(
        map((body: unknown) => {
          const tag = tagOf(body);
          if (tag !== undefined) context.switchToHttp().getResponse<Response>().setHeader('ETag', `"${tag}"`);
          return body;
        }),
      );
    },
  };
}
