import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook, type SignatureCheck } from './webhook-signature';

// A real HTTP receiver for the webhook tests, doing what a TRE's receiver should: read the raw
// body, verify the signature on those bytes, only then parse. `answers` scripts its replies.
export type Answer = number | { status: number; retryAfter?: number } | 'hang';
export type Received = { headers: IncomingHttpHeaders; body: string; check: SignatureCheck; at: number };

export type WebhookReceiver = {
  url: string;
  received: Received[];
  /** Replies in order; the last one repeats. */
  answer(...answers: Answer[]): void;
  close(): Promise<void>;
};

export async function startWebhookReceiver(secret: string, path = '/hooks/airlock'): Promise<WebhookReceiver> {
  const received: Received[] = [];
  let script: Answer[] = [200];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const check = verifyWebhook({ secret, body, signature: header(request.headers, SIGNATURE_HEADER), timestamp: header(request.headers, TIMESTAMP_HEADER) });
      received.push({ headers: request.headers, body, check, at: Date.now() });
      const answer = script.length > 1 ? (script.shift() as Answer) : script[0];
      if (answer === 'hang') return; // never answers: the sender's timeout must fire
      const { status, retryAfter } = typeof answer === 'number' ? { status: answer, retryAfter: undefined } : answer;
      // A receiver refuses what it cannot verify.
      const final = check.valid ? status : 401;
      response.writeHead(final, retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}).end(final < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    answer: (...answers) => {
      script = answers;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
