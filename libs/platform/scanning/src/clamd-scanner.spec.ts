import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { ClamdScanner, type ClamdScannerConfig } from './clamd-scanner';
import { FakeClamd, type InstreamSeen } from './fake-clamd.server';
import { ScannerUnavailableError } from './scanning.errors';

const ENGINE = 'ClamAV 1.4.6/27400/Sat Nov 28 09:00:00 2026';
let fake: FakeClamd;

beforeAll(async () => {
  fake = await FakeClamd.start();
});

afterAll(async () => {
  await fake.stop();
});

const scannerFor = (config: Partial<ClamdScannerConfig> = {}): ClamdScanner =>
  new ClamdScanner({ host: '127.0.0.1', port: fake.port, timeoutMs: 2_000, ...config });

function lastStream(): InstreamSeen {
  const seen = fake.streams.at(-1);
  if (!seen) throw new Error('the fake clamd saw no INSTREAM');
  return seen;
}

const sha256Of = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('ClamdScanner against an in-test clamd', () => {
  it('frames the body as INSTREAM chunks of at most chunkSize and reports clean', async () => {
    fake.use({ afterStream: { reply: 'stream: OK' } });
    const data = Buffer.from('x'.repeat(1000));
    const body = Readable.from([data.subarray(0, 300), Buffer.alloc(0), data.subarray(300)]);

    const result = await scannerFor({ chunkSize: 64 }).scan(body);

    expect(result).toEqual({ status: 'clean', engine: ENGINE });
    const seen = lastStream();
    // The empty chunk in the middle must not be sent: a zero length ends the stream.
    expect(seen).toMatchObject({ bytes: 1000, sha256: sha256Of(data), terminated: true });
    expect(Math.max(...seen.frameSizes)).toBeLessThanOrEqual(64);
    expect(body.destroyed).toBe(true);
  });

  it('gathers small reads into whole chunks (an S3 download arrives in small pieces; clamd is slower fed small frames)', async () => {
    fake.use({ afterStream: { reply: 'stream: OK' } });
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    // 1000 bytes in reads of 7 bytes, with an empty read among them.
    const reads = Array.from({ length: Math.ceil(1000 / 7) }, (_, i) => data.subarray(i * 7, (i + 1) * 7));
    reads.splice(50, 0, Buffer.alloc(0));

    await scannerFor({ chunkSize: 64 }).scan(Readable.from(reads));

    const seen = lastStream();
    expect(seen).toMatchObject({ bytes: 1000, sha256: sha256Of(data), terminated: true });
    // Fifteen whole chunks and the rest: not one frame per read.
    expect(seen.frameSizes).toEqual([...Array.from({ length: 15 }, () => 64), 1000 - 15 * 64]);
  });

  it('sends just the terminator for an empty body', async () => {
    fake.use({ afterStream: { reply: 'stream: OK' } });
    expect(await scannerFor().scan(Readable.from([]))).toEqual({ status: 'clean', engine: ENGINE });
    expect(fake.streams.at(-1)).toMatchObject({ bytes: 0, frameSizes: [], terminated: true });
  });

  it('reports infected with the signature name', async () => {
    fake.use({ afterStream: { reply: 'stream: Eicar-Test-Signature.UNOFFICIAL FOUND' } });
    expect(await scannerFor().scan(Readable.from([Buffer.from('payload')]))).toEqual({
      status: 'infected',
      signature: 'Eicar-Test-Signature.UNOFFICIAL',
      engine: ENGINE,
    });
  });

  it('reports too large to scan when clamd refuses the stream length, never clean', async () => {
    fake.use({ midStream: { afterBytes: 100_000, action: { reply: 'INSTREAM size limit exceeded. ERROR', thenClose: true } } });
    const body = Readable.from(Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024, 1)));
    expect(await scannerFor().scan(body)).toEqual({ status: 'not_scanned', reason: 'too large to scan' });
    expect(body.destroyed).toBe(true);
  });

  it('reports too large to scan when clamd hangs up mid-stream and still answers (StreamMaxLength)', async () => {
    fake.use({ midStream: { afterBytes: 100_000, action: 'reset' } });
    // Larger than the socket buffers can hold (here up to 4 MiB to send, 32 MiB to receive): a body
    // that fits in them is all "sent" before the reset arrives, which is then no longer mid-stream.
    const chunk = Buffer.alloc(64 * 1024, 1);
    const body = Readable.from(Array.from({ length: 1024 }, () => chunk));
    expect(await scannerFor().scan(body)).toEqual({ status: 'not_scanned', reason: 'too large to scan' });
  });

  it('fails closed with ScannerUnavailableError when clamd dies mid-stream', async () => {
    const dying = await FakeClamd.start({ midStream: { afterBytes: 100_000, action: 'reset-and-exit' } });
    try {
      const scanner = new ClamdScanner({ host: '127.0.0.1', port: dying.port, timeoutMs: 2_000 });
      const body = Readable.from(Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024, 1)));
      await expect(scanner.scan(body)).rejects.toBeInstanceOf(ScannerUnavailableError);
    } finally {
      await dying.stop();
    }
  });

  it('stops at a known streamMaxLength and reports too large without sending the rest', async () => {
    fake.use({});
    const body = Readable.from(Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024, 2)));
    expect(await scannerFor({ streamMaxLength: 1024 * 1024 }).scan(body)).toEqual({ status: 'not_scanned', reason: 'too large to scan' });
    expect(lastStream().bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(lastStream().terminated).toBe(false);
  });

  it.each([
    ['a garbage reply', { afterStream: { reply: 'HELLO THERE' } }],
    ['a scan error', { afterStream: { reply: "stream: Can't allocate memory ERROR" } }],
    ['a close without a reply', { afterStream: 'close' as const }],
    ['a garbage VERSION reply', { version: 'Hello, I am not clamd' }],
  ])('fails closed with ScannerUnavailableError on %s', async (_name, script) => {
    fake.use(script);
    const body = Readable.from(Array.from({ length: 16 }, () => Buffer.alloc(64 * 1024, 3)));
    await expect(scannerFor().scan(body)).rejects.toBeInstanceOf(ScannerUnavailableError);
    expect(body.destroyed).toBe(true);
  });

  // Replies that clamscan on its own would misread (see docs/adr/0008-clamscan-adapter.md).
  it.each([
    ['a reply clamscan takes for clean (`anything: OK`)', { afterStream: { reply: 'HELLO: OK' } }, /disagree|unexpected reply/],
    ['a reply clamscan takes for infected that is not clamd’s', { afterStream: { reply: 'HELLO: THERE FOUND' } }, /disagree|unexpected reply/],
    ['an endless reply (clamscan would buffer it all)', { afterStream: { reply: 'x'.repeat(100_000) } }, /reply too long/],
  ])('fails closed with ScannerUnavailableError on %s', async (_name, script, message) => {
    fake.use(script);
    await expect(scannerFor().scan(Readable.from([Buffer.from('data')]))).rejects.toMatchObject({
      code: 'SCANNER_UNAVAILABLE',
      message: expect.stringMatching(message),
    });
  });

  it('fails closed at once when clamd resets the VERSION connection (clamscan alone would wait forever)', async () => {
    fake.use({ version: 'reset' });
    const started = Date.now();
    await expect(scannerFor({ timeoutMs: 10_000 }).scan(Readable.from([Buffer.from('data')]))).rejects.toBeInstanceOf(ScannerUnavailableError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.each([
    ['the verdict', { afterStream: 'silent' as const }],
    ['the version', { version: 'silent' as const }],
  ])('times out with ScannerUnavailableError when clamd never sends %s', async (_name, script) => {
    fake.use(script);
    const started = Date.now();
    await expect(scannerFor({ timeoutMs: 300 }).scan(Readable.from([Buffer.from('data')]))).rejects.toMatchObject({
      code: 'SCANNER_UNAVAILABLE',
      message: expect.stringMatching(/no progress for 300 ms/),
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('passes on a failure of the caller’s stream as it is (the scanner is not at fault)', async () => {
    fake.use({});
    const body = new Readable({
      read() {
        this.destroy(new Error('upstream S3 read failed'));
      },
    });
    await expect(scannerFor().scan(body)).rejects.toThrow('upstream S3 read failed');
  });

  it('streams with backpressure: never far ahead of what clamd has read', async () => {
    fake.use({ readDelayMs: 1 });
    const total = 96 * 1024 * 1024;
    const chunk = Buffer.alloc(256 * 1024, 7);
    let produced = 0;
    let maxLead = 0;
    const startBytes = fake.receivedBytes;
    const body = new Readable({
      read() {
        maxLead = Math.max(maxLead, produced - (fake.receivedBytes - startBytes));
        if (produced >= total) return void this.push(null);
        produced += chunk.length;
        this.push(chunk);
      },
    });

    expect(await scannerFor({ timeoutMs: 10_000 }).scan(body)).toEqual({ status: 'clean', engine: ENGINE });
    expect(lastStream().bytes).toBe(total);
    // Socket buffers on loopback can hold some MiB; a client that ignored backpressure
    // would run the whole body ahead of the reader.
    expect(maxLead).toBeLessThan(total / 3);
  }, 30_000);

  it('answers ping from PONG', async () => {
    expect(await scannerFor().ping()).toBe(true);
  });

  describe('with nothing listening', () => {
    it('throws ScannerUnavailableError from scan and answers ping with false', async () => {
      const dead = new ClamdScanner({ host: '127.0.0.1', port: await freePort(), timeoutMs: 1_000 });
      await expect(dead.scan(Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(ScannerUnavailableError);
      expect(await dead.ping()).toBe(false);
      expect(dead.describe()).toMatch(/^clamd at 127\.0\.0\.1:\d+$/);
    });
  });

  it('rejects a nonsensical chunk size', () => {
    expect(() => new ClamdScanner({ host: '127.0.0.1', port: 1, chunkSize: 0 })).toThrow(RangeError);
  });
});
