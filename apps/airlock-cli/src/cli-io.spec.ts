import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Api } from './api';
import { EXIT } from './cli-core';
import { deviceCodeLogin, discoverDeviceFlow } from './credentials';
import { downloadReleased } from './download';
import { BarProgress, PlainProgress } from './progress';
import { pushFiles } from './push';
import { writeFileSync } from 'node:fs';

// The CLI's edges against small local HTTP servers standing in for an OIDC issuer and for the
// download endpoint (the real ingress is exercised in e2e/cli.e2e-spec.ts).

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
async function serve(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('login with the OIDC device code flow', () => {
  it('discovers the device endpoint, shows the code, waits through pending and slow_down, and returns the token', async () => {
    let polls = 0;
    const seen: Record<string, string>[] = [];
    const { url, server } = await serve((req, body, res) => {
      if (req.url === '/.well-known/openid-configuration')
        return send(res, 200, { device_authorization_endpoint: `${url}/device`, token_endpoint: `${url}/token` });
      const form = Object.fromEntries(new URLSearchParams(body));
      seen.push(form);
      if (req.url === '/device')
        return send(res, 200, { device_code: 'dc-1', user_code: 'ABCD-EFGH', verification_uri: `${url}/activate`, expires_in: 60, interval: 1 });
      polls += 1;
      if (polls === 1) return send(res, 400, { error: 'authorization_pending' });
      if (polls === 2) return send(res, 400, { error: 'slow_down' });
      return send(res, 200, { access_token: 'the-token', token_type: 'Bearer' });
    });
    try {
      const endpoints = await discoverDeviceFlow(url);
      expect(endpoints).toEqual({ device: `${url}/device`, token: `${url}/token` });
      const shown: string[] = [];
      const waits: number[] = [];
      const token = await deviceCodeLogin(
        endpoints as { device: string; token: string },
        'airlock-cli',
        'openid',
        (m) => shown.push(m),
        async (ms) => {
          waits.push(ms);
        },
      );
      expect(token).toBe('the-token');
      expect(shown[0]).toContain('ABCD-EFGH');
      expect(waits).toEqual([1000, 1000, 6000]); // slow_down adds five seconds
      expect(seen[0]).toEqual({ client_id: 'airlock-cli', scope: 'openid' });
      expect(seen[1]).toEqual({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'dc-1', client_id: 'airlock-cli' });
    } finally {
      server.close();
    }
  });

  it('finds no device flow where the issuer does not advertise one, and fails on access_denied', async () => {
    const { url, server } = await serve((req, _body, res) => {
      if (req.url === '/.well-known/openid-configuration') return send(res, 200, { token_endpoint: `${url}/token` });
      if (req.url === '/device') return send(res, 200, { device_code: 'd', user_code: 'u', verification_uri: 'v', expires_in: 60 });
      return send(res, 400, { error: 'access_denied' });
    });
    try {
      expect(await discoverDeviceFlow(url)).toBeUndefined();
      await expect(
        deviceCodeLogin(
          { device: `${url}/device`, token: `${url}/token` },
          'c',
          'openid',
          () => undefined,
          async () => undefined,
        ),
      ).rejects.toMatchObject({
        exitCode: EXIT.auth,
        message: expect.stringContaining('access_denied'),
      });
    } finally {
      server.close();
    }
  });
});

describe('download', () => {
  const released = (content: string) => ({
    fileId: 'f1',
    name: 'table.csv',
    group: 'outputs',
    kind: 'output',
    sha256: createHash('sha256').update(content).digest('hex'),
    size: Buffer.byteLength(content),
    released: true,
    blocked: false,
  });

  async function downloadWith(served: string, recorded: string) {
    const { url, server } = await serve((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(served);
    });
    const links: string[] = [];
    const api = {
      baseUrl: url,
      getRequest: async () => ({ requestId: 'r1', projectId: 'p', status: 'released', turn: 1, version: 9, files: [released(recorded)] }),
      downloadLink: async () => (links.push('f1'), { url: `${url}/downloads/x`, path: '/downloads/x', expiresAt: '' }),
    } as unknown as Api;
    const dir = mkdtempSync(path.join(tmpdir(), 'airlock-cli-download-'));
    try {
      return { dir, links, outcome: await downloadReleased(api, 'r1', dir, () => undefined).catch((e: unknown) => e) };
    } finally {
      server.close();
    }
  }

  it('keeps a file only when its SHA-256 is the recorded one', async () => {
    const { dir, outcome } = await downloadWith('ward,n\nA,12\n', 'ward,n\nA,12\n');
    expect(outcome).toEqual([expect.objectContaining({ name: 'table.csv', status: 'downloaded' })]);
    expect(readFileSync(path.join(dir, 'table.csv'), 'utf8')).toBe('ward,n\nA,12\n');
  });

  it('deletes bytes that differ and fails with the verification exit code', async () => {
    const { dir, outcome } = await downloadWith('ward,n\nA,13\n', 'ward,n\nA,12\n');
    expect(outcome).toMatchObject({ exitCode: EXIT.verification, code: 'HASH_MISMATCH' });
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(path.join(dir, 'table.csv'))).toBe(false);
  });
});

describe('progress bars on a terminal', () => {
  it('draws a bar per file and the total, with bytes and rate', async () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 160, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    let drawn = '';
    stream.on('data', (c: Buffer) => (drawn += c.toString()));
    const bars = new BarProgress(30 * 1024 * 1024, stream);
    bars.file('model.bin', 20 * 1024 * 1024, 5 * 1024 * 1024);
    bars.file('table.csv', 10 * 1024 * 1024, 0);
    bars.bytes('model.bin', 5 * 1024 * 1024);
    bars.done('table.csv', 'done');
    await new Promise((r) => setTimeout(r, 300));
    bars.stop();
    expect(drawn).toMatch(/model\.bin/);
    expect(drawn).toMatch(/total/);
    expect(drawn).toMatch(/10\.0 MiB\/20\.0 MiB/);
  });
});

describe('push to a server without resumable uploads', () => {
  async function pushTo(answerSha: (bytes: Buffer) => string) {
    const calls: string[] = [];
    let received = Buffer.alloc(0);
    const { url, server } = await serve((req, body, res) => {
      calls.push(`${req.method} ${req.url}`);
      if (req.method === 'GET' && req.url === '/requests/r1')
        return send(res, 200, { requestId: 'r1', projectId: 'p', status: 'draft', turn: 0, version: 2, files: [] });
      if (req.url?.startsWith('/requests/r1/uploads')) return send(res, 501, { code: 'RESUMABLE_UPLOADS_UNAVAILABLE', detail: 'no parts here' });
      if (req.method === 'PUT') {
        received = Buffer.from(body, 'latin1');
        return send(res, 201, { file: { fileId: 'f9', name: 'x.csv', sha256: answerSha(received), size: received.length } });
      }
      if (req.method === 'DELETE') return send(res, 200, { requestId: 'r1', files: [] });
      send(res, 404, { code: 'ROUTE_NOT_FOUND' });
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'airlock-cli-whole-'));
    const content = 'ward,n\nA,12\nB,40\n';
    writeFileSync(path.join(dir, 'x.csv'), content);
    try {
      const outcomes = await pushFiles(new Api(url, 'token'), 'r1', [{ name: 'x.csv', path: path.join(dir, 'x.csv'), size: content.length }], {
        group: 'outputs',
        kind: 'output',
        parallel: 2,
        signal: new AbortController().signal,
        progress: new PlainProgress(content.length, () => undefined),
      });
      return { outcomes, calls, received: received.toString('latin1'), content };
    } finally {
      server.close();
    }
  }

  it('sends the file whole, streamed, and checks the SHA-256 the server computed', async () => {
    const { outcomes, calls, received, content } = await pushTo((b) => createHash('sha256').update(b).digest('hex'));
    expect(received).toBe(content);
    expect(calls).toContain('PUT /requests/r1/files/x.csv?group=outputs&kind=output');
    expect(outcomes).toEqual([expect.objectContaining({ status: 'uploaded', fileId: 'f9', partsSent: 1, bytesSent: content.length })]);
  });

  it('removes the file again when the server stored other bytes, and fails with exit 6', async () => {
    const { outcomes, calls } = await pushTo(() => '0'.repeat(64));
    expect(outcomes).toEqual([
      expect.objectContaining({ status: 'failed', error: expect.objectContaining({ code: 'HASH_MISMATCH', exitCode: EXIT.verification }) }),
    ]);
    expect(calls).toContain('DELETE /requests/r1/files/f9');
  });
});
