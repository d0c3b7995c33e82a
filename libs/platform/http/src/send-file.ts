import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';

/** Streams a frozen file to the client with its name, size and SHA-256; never cached. */
export async function sendFile(
  response: Response,
  bytes: Readable,
  file: { name: string; size: number; sha256: string },
  disposition: 'inline' | 'attachment',
): Promise<void> {
  response.status(200).set({
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(file.size),
    'Content-Disposition': `${disposition}; filename*=UTF-8''${encodeURIComponent(file.name)}`,
    'X-Content-SHA256': file.sha256,
    'Cache-Control': 'no-store',
  });
  await pipeline(bytes, response);
}
