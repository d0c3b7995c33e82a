import type { Readable } from 'node:stream';
import type { Request } from 'express';
import { CSRF_FIELD } from './csrf';

// Multipart forms (file uploads) are read as they stream, never buffered: busboy hands over the
// plain fields first (the forms put them before the file input), then each file as a stream. The
// CSRF field is checked before the first file byte is read (docs/adr/0011-web-pages.md).

// busboy 1.6 ships no type declarations; this is the part used here.
type BusboyFileInfo = { filename: string; encoding: string; mimeType: string };
type BusboyInstance = NodeJS.WritableStream & {
  on(event: 'field', listener: (name: string, value: string, info: { valueTruncated: boolean; nameTruncated: boolean }) => void): BusboyInstance;
  on(event: 'file', listener: (name: string, stream: Readable & { truncated?: boolean }, info: BusboyFileInfo) => void): BusboyInstance;
  on(event: 'close' | 'finish', listener: () => void): BusboyInstance;
  on(event: 'error', listener: (error: unknown) => void): BusboyInstance;
  on(event: 'fieldsLimit' | 'filesLimit' | 'partsLimit', listener: () => void): BusboyInstance;
};
const busboy = require('busboy') as (config: { headers: Request['headers']; limits?: Record<string, number>; defParamCharset?: string }) => BusboyInstance;

export type MultipartFile = { field: string; filename: string; stream: Readable };

export class MultipartError extends Error {
  constructor(
    readonly status: 400 | 403,
    message: string,
  ) {
    super(message);
  }
}

export type MultipartOptions = {
  /** The session's CSRF token: the form's `_csrf` field must equal it before any file is read. */
  csrfValid: (submitted: unknown) => boolean;
  maxFiles: number;
  maxFields?: number;
};

/**
 * Reads a multipart form, calling `onFile` for each file in turn (each is consumed before the next
 * arrives) with the fields seen so far. Refuses with MultipartError: 403 when the CSRF field is
 * missing or wrong when the first file (or the end) arrives, 400 for malformed or over-limit forms.
 */
export function readMultipart<T>(
  request: Request,
  options: MultipartOptions,
  onFile: (file: MultipartFile, fields: Readonly<Record<string, string>>) => Promise<T>,
): Promise<{ fields: Record<string, string>; results: T[] }> {
  return new Promise((resolve, reject) => {
    let parser: BusboyInstance;
    try {
      parser = busboy({
        headers: request.headers,
        defParamCharset: 'utf8',
        limits: { files: options.maxFiles, fields: options.maxFields ?? 20, fieldSize: 64 * 1024, parts: options.maxFiles + (options.maxFields ?? 20) },
      });
    } catch {
      reject(new MultipartError(400, 'The form could not be read'));
      return;
    }
    const fields: Record<string, string> = {};
    const results: T[] = [];
    let failed: unknown;
    let chain: Promise<void> = Promise.resolve();
    const fail = (error: unknown) => {
      if (failed === undefined) failed = error;
    };
    parser.on('field', (name, value) => {
      if (name.length <= 100) fields[name] = value;
    });
    parser.on('file', (field, stream, info) => {
      if (failed !== undefined || !options.csrfValid(fields[CSRF_FIELD])) {
        fail(failed ?? new MultipartError(403, 'The form had expired or did not come from this service'));
        stream.resume();
        return;
      }
      // A file input left empty still sends a part, with no name and no bytes.
      if (!info.filename) {
        stream.resume();
        return;
      }
      const snapshot = { ...fields };
      chain = chain.then(async () => {
        if (failed !== undefined) {
          stream.resume();
          return;
        }
        try {
          results.push(await onFile({ field, filename: info.filename, stream }, snapshot));
        } catch (error) {
          fail(error);
          stream.resume();
        }
      });
    });
    const limit = () => fail(new MultipartError(400, `A form may carry at most ${options.maxFiles} files`));
    parser.on('filesLimit', limit);
    parser.on('partsLimit', limit);
    parser.on('fieldsLimit', () => fail(new MultipartError(400, 'The form has too many fields')));
    parser.on('error', (error) => {
      fail(new MultipartError(400, 'The form could not be read'));
      void error;
      request.unpipe(parser);
      request.resume();
      void chain.then(() => reject(failed));
    });
    parser.on('close', () => {
      void chain.then(() => {
        if (failed === undefined && !options.csrfValid(fields[CSRF_FIELD]))
          fail(new MultipartError(403, 'The form had expired or did not come from this service'));
        if (failed !== undefined) reject(failed);
        else resolve({ fields, results });
      });
    });
    request.pipe(parser);
  });
}
