import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { realStack } from '@airlock/testing';
import { ClamdScanner } from './clamd-scanner';
import { EICAR } from './eicar.fixture';
import { ScannerUnavailableError } from './scanning.errors';

const MiB = 1024 * 1024;
const { host, port } = realStack().clamd;
const scanner = new ClamdScanner({ host, port, timeoutMs: 30_000 });

/** Streams `data` in uneven pieces, as a network or S3 body would arrive. */
function streamOf(data: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < data.length;) {
    const size = 1 + Math.floor(Math.random() * 100_000);
    pieces.push(data.subarray(offset, offset + size));
    offset += size;
  }
  return Readable.from(pieces);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}

describe('ClamdScanner against the real clamd', () => {
  it('uses the genuine 68-byte EICAR test file', () => {
    expect(EICAR.length).toBe(68);
    expect(createHash('md5').update(EICAR).digest('hex')).toBe('44d88612fea8a8f36de82e1278abb02f');
  });

  it('answers ping and names its engine', async () => {
    expect(await scanner.ping()).toBe(true);
    expect(await scanner.version()).toMatch(/^ClamAV \d+\.\d+\.\d+/);
  });

  it('finds EICAR and names the signature', async () => {
    const result = await scanner.scan(streamOf(EICAR));
    expect(result).toEqual({ status: 'infected', signature: expect.stringMatching(/Eicar/i), engine: expect.stringMatching(/^ClamAV /) });
  });

  it('finds EICAR in the middle of a 5 MiB random file', async () => {
    const data = Buffer.concat([randomBytes(2.5 * MiB), EICAR, randomBytes(2.5 * MiB)]);
    const result = await scanner.scan(streamOf(data));
    expect(result).toMatchObject({ status: 'infected', signature: expect.stringMatching(/Eicar/i) });
  });

  it('finds EICAR split across INSTREAM chunks', async () => {
    const tiny = new ClamdScanner({ host, port, timeoutMs: 30_000, chunkSize: 7 });
    const result = await tiny.scan(streamOf(Buffer.concat([Buffer.from('prefix\n'), EICAR])));
    expect(result).toMatchObject({ status: 'infected', signature: expect.stringMatching(/Eicar/i) });
  });

  it('reports a clean 5 MiB random file as clean, with the engine version', async () => {
    const result = await scanner.scan(streamOf(randomBytes(5 * MiB)));
    expect(result).toEqual({ status: 'clean', engine: expect.stringMatching(/^ClamAV \d+\.\d+\.\d+/) });
  });

  it('reports an empty file as clean', async () => {
    expect(await scanner.scan(Readable.from([]))).toMatchObject({ status: 'clean' });
  });

  it('scans several files at once', async () => {
    const results = await Promise.all([
      scanner.scan(streamOf(EICAR)),
      scanner.scan(streamOf(randomBytes(MiB))),
      scanner.scan(streamOf(Buffer.concat([randomBytes(MiB), EICAR]))),
      scanner.scan(streamOf(randomBytes(MiB))),
    ]);
    expect(results.map((r) => r.status)).toEqual(['infected', 'clean', 'infected', 'clean']);
  });

  it('fails closed with ScannerUnavailableError when nothing listens on the port', async () => {
    const dead = new ClamdScanner({ host, port: await freePort(), timeoutMs: 2_000 });
    await expect(dead.scan(streamOf(EICAR))).rejects.toBeInstanceOf(ScannerUnavailableError);
    await expect(dead.scan(streamOf(EICAR))).rejects.toMatchObject({ code: 'SCANNER_UNAVAILABLE' });
    expect(await dead.ping()).toBe(false);
  });
});

describe('ClamdScanner over the real clamd StreamMaxLength', () => {
  // Streams 2200 MiB past the stack's StreamMaxLength (2100M); about 5 s on loopback.
  it('reports a stream longer than StreamMaxLength as too large to scan, never clean', async () => {
    const chunk = Buffer.alloc(MiB, 0x41);
    let left = 2200;
    const body = new Readable({
      read() {
        this.push(left-- > 0 ? chunk : null);
      },
    });
    expect(await scanner.scan(body)).toEqual({ status: 'not_scanned', reason: 'too large to scan' });
  }, 180_000);
});
