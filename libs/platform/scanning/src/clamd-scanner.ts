import type { Readable } from 'node:stream';
import { ClamdConnection, clamdCommand } from './clamd-connection';
import { isSizeLimitMessage, parseInstreamReply, TOO_LARGE_REASON, toScanResult } from './clamd-reply';
import type { MalwareScanner, ScanResult } from './malware-scanner.port';
import { ScannerUnavailableError } from './scanning.errors';

const ZINSTREAM = Buffer.from('zINSTREAM\0');
// A zero-length chunk ends the stream, so empty chunks must never be sent as data.
const TERMINATOR = Buffer.alloc(4);
// Chunk lengths travel as unsigned 32-bit integers.
const MAX_CHUNK_BYTES = 0xffff_ffff;

export type ClamdScannerConfig = {
  host: string;
  port: number;
  /** Idle timeout: no progress for this long while connecting, sending or awaiting the verdict fails the scan. Default 60 s. */
  timeoutMs?: number;
  /** Bytes per INSTREAM chunk. Default 64 KiB. */
  chunkSize?: number;
  /**
   * clamd's StreamMaxLength, when known. A longer body is reported too large to scan as soon
   * as it passes the limit, without relying on how clamd cuts the connection.
   */
  streamMaxLength?: number;
};

type InstreamOutcome = { kind: 'reply'; text: string } | { kind: 'too_large' };
type SendOutcome = 'sent' | 'stopped' | 'too_large';

/**
 * Our own small client of clamd's INSTREAM protocol over TCP. Streams the body with
 * backpressure (never holds more than a chunk plus socket buffers), and fails closed:
 * anything short of a clear verdict throws ScannerUnavailableError for the caller to retry.
 */
export class ClamdScanner implements MalwareScanner {
  private readonly address: { host: string; port: number };
  private readonly timeoutMs: number;
  private readonly chunkSize: number;
  private readonly streamMaxLength: number | undefined;

  constructor(config: ClamdScannerConfig) {
    this.address = { host: config.host, port: config.port };
    this.timeoutMs = config.timeoutMs ?? 60_000;
    this.chunkSize = config.chunkSize ?? 64 * 1024;
    this.streamMaxLength = config.streamMaxLength;
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 1 || this.chunkSize > MAX_CHUNK_BYTES) {
      throw new RangeError(`chunkSize must be an integer in 1..${MAX_CHUNK_BYTES}, got ${this.chunkSize}`);
    }
  }

  async scan(body: Readable): Promise<ScanResult> {
    try {
      // Recorded with every verdict: which engine and signature database said so.
      const engine = await this.version();
      const outcome = await this.instream(body);
      if (outcome.kind === 'too_large') return { status: 'not_scanned', reason: TOO_LARGE_REASON };
      return toScanResult(parseInstreamReply(outcome.text), engine);
    } finally {
      body.destroy();
    }
  }

  async ping(): Promise<boolean> {
    try {
      return (await clamdCommand(this.address, 'PING', Math.min(this.timeoutMs, 5_000))) === 'PONG';
    } catch {
      return false;
    }
  }

  describe(): string {
    return `clamd at ${this.address.host}:${this.address.port}`;
  }

  /** The engine and signature database version, e.g. `ClamAV 1.4.6/27400/Sat Nov 28 09:00:00 2026` (just `ClamAV 1.4.6` with only unofficial signatures). */
  async version(): Promise<string> {
    const reply = (await clamdCommand(this.address, 'VERSION', this.timeoutMs)).trim();
    if (!reply.startsWith('ClamAV ')) throw new ScannerUnavailableError(`unexpected VERSION reply from ${this.describe()}: ${JSON.stringify(reply.slice(0, 200))}`);
    return reply;
  }

  private async instream(body: Readable): Promise<InstreamOutcome> {
    const connection = new ClamdConnection(this.address, this.timeoutMs);
    try {
      const sent = await this.send(connection, body);
      if (sent === 'too_large') return { kind: 'too_large' };
      try {
        return { kind: 'reply', text: await connection.reply };
      } catch (error) {
        // Over StreamMaxLength clamd writes "INSTREAM size limit exceeded. ERROR" and hangs up
        // on the rest of the stream. The line may arrive without its NUL, or not at all when
        // our next write meets the reset first (a broken pipe). A hang-up mid-stream from a
        // clamd that still answers PING is that limit; a clamd that is gone is unavailable.
        if (isSizeLimitMessage(connection.partialReply())) return { kind: 'reply', text: connection.partialReply() };
        const hungUpMidStream = connection.hungUp === 'broken_pipe' || (sent === 'stopped' && connection.hungUp !== undefined);
        if (hungUpMidStream && (await this.ping())) return { kind: 'too_large' };
        throw error;
      }
    } finally {
      connection.destroy();
    }
  }

  /** Frames the body as INSTREAM chunks. Stops early when clamd has answered or hung up. */
  private async send(connection: ClamdConnection, body: Readable): Promise<SendOutcome> {
    let sent = 0;
    await connection.write(ZINSTREAM);
    for await (const chunk of body as AsyncIterable<Buffer | string>) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      for (let offset = 0; offset < buffer.length; offset += this.chunkSize) {
        if (connection.done) return 'stopped';
        const piece = buffer.subarray(offset, offset + this.chunkSize);
        sent += piece.length;
        if (this.streamMaxLength !== undefined && sent > this.streamMaxLength) return 'too_large';
        const header = Buffer.allocUnsafe(4);
        header.writeUInt32BE(piece.length);
        await connection.write(header);
        await connection.write(piece);
      }
    }
    if (connection.done) return 'stopped';
    await connection.write(TERMINATOR);
    return 'sent';
  }
}
