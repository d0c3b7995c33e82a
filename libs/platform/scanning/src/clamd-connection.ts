import { connect, type Socket } from 'node:net';
import { ScannerUnavailableError } from './scanning.errors';

export type HangUp = 'broken_pipe' | 'reset' | 'closed';

// clamd's replies are one short line; anything longer is not clamd.
const MAX_REPLY_BYTES = 4096;

/**
 * One TCP exchange with clamd using the `z` (NUL-terminated) command form: connect,
 * write, collect the reply up to its NUL. Settles exactly once: with the reply, or with
 * ScannerUnavailableError on refusal, timeout, reset or a close before the reply.
 */
export class ClamdConnection {
  readonly reply: Promise<string>;
  private readonly socket: Socket;
  private received = Buffer.alloc(0);
  private settled = false;
  private connected = false;
  private hangUp: HangUp | undefined;

  constructor(
    private readonly address: { host: string; port: number },
    timeoutMs: number,
  ) {
    let resolveReply!: (reply: string) => void;
    let rejectReply!: (error: Error) => void;
    this.reply = new Promise<string>((resolve, reject) => {
      resolveReply = resolve;
      rejectReply = reject;
    });
    // Callers may settle on other grounds first (e.g. the body failed); avoid an unhandled rejection.
    this.reply.catch(() => undefined);

    const settle = (outcome: string | Error): void => {
      if (this.settled) return;
      this.settled = true;
      this.socket.destroy();
      if (typeof outcome === 'string') resolveReply(outcome);
      else rejectReply(outcome);
    };

    this.socket = connect({ host: address.host, port: address.port });
    // An idle timer, not a deadline: it fires when neither sending nor receiving makes progress.
    this.socket.setTimeout(timeoutMs);
    this.socket.on('timeout', () => settle(this.unavailable(`no progress for ${timeoutMs} ms`)));
    this.socket.on('connect', () => {
      this.connected = true;
    });
    this.socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!this.settled && this.connected && (error.code === 'EPIPE' || error.code === 'ECONNRESET')) this.hangUp = error.code === 'EPIPE' ? 'broken_pipe' : 'reset';
      settle(this.unavailable(error.code ?? error.message, error));
    });
    this.socket.on('close', () => {
      if (!this.settled && this.connected) this.hangUp = 'closed';
      settle(this.unavailable('connection closed before a reply'));
    });
    this.socket.on('data', (data: Buffer) => {
      this.received = Buffer.concat([this.received, data]);
      const end = this.received.indexOf(0);
      if (end >= 0) settle(this.received.subarray(0, end).toString('utf8'));
      else if (this.received.length > MAX_REPLY_BYTES) settle(this.unavailable('reply too long'));
    });
  }

  /** True once the exchange is over (reply, failure or destroy): stop sending. */
  get done(): boolean {
    return this.settled;
  }

  /**
   * How clamd ended a connection it had accepted, without replying: `broken_pipe` means
   * one of our writes met the closed connection, i.e. clamd stopped reading mid-stream.
   */
  get hungUp(): HangUp | undefined {
    return this.hangUp;
  }

  /** Whatever arrived so far, even without the closing NUL (clamd may close right after an error line). */
  partialReply(): string {
    return this.received.toString('utf8').replace(/\0.*$/s, '');
  }

  /** Writes; resolves when the socket can take more (backpressure) or the exchange is over. */
  async write(data: Buffer): Promise<void> {
    if (this.settled) return;
    if (this.socket.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  destroy(): void {
    if (!this.settled) {
      this.settled = true;
      this.socket.destroy();
    }
  }

  private unavailable(why: string, cause?: unknown): ScannerUnavailableError {
    return new ScannerUnavailableError(`clamd at ${this.address.host}:${this.address.port} unavailable: ${why}`, { cause });
  }
}

/** Sends one `z` command (PING, VERSION) and returns clamd's reply line. */
export async function clamdCommand(address: { host: string; port: number }, command: 'PING' | 'VERSION', timeoutMs: number): Promise<string> {
  const connection = new ClamdConnection(address, timeoutMs);
  await connection.write(Buffer.from(`z${command}\0`));
  return connection.reply;
}
