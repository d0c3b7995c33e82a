import { createReadStream } from 'node:fs';
import http from 'node:http';

// A file streamed from disk as the body of one HTTP PUT, as a researcher's client would send it:
// Content-Length set, never more than a stream buffer of it in memory.
export type PutResult = { status: number; body: string; bodySentMs: number };

export function putFile(url: string, headers: Record<string, string>, file: string, bytes: number, onBytes: (sent: number) => void): Promise<PutResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let bodySentMs = Number.NaN;
    const request = http.request(url, { method: 'PUT', headers: { ...headers, 'content-length': String(bytes) } });
    request.once('finish', () => {
      bodySentMs = performance.now() - started;
    });
    request.once('error', reject);
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', reject);
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString(), bodySentMs }));
    });
    let sent = 0;
    const body = createReadStream(file);
    body.on('data', (chunk) => onBytes((sent += chunk.length)));
    body.once('error', (error) => request.destroy(error));
    body.pipe(request);
  });
}
