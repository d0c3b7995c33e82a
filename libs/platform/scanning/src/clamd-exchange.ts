import type { Socket } from 'node:net';
import NodeClam from 'clamscan';
import { ScannerUnavailableError } from './scanning.errors';

export type ClamdAddress = { host: string; port: number };
export type HangUp = 'broken_pipe' | 'reset' | 'closed';

// clamd's replies are one short line; anything longer is not clamd (and clamscan would buffer it all).
const MAX_REPLY_BYTES = 4096;

// The socket opener of clamscan 2.4 (node_modules/clamscan/index.js, `_initSocket`). It is the
// only place the library hands out the socket it uses, so we wrap it; see docs/adr/0008-clamscan-adapter.md.
// clamscan-private-socket.spec.ts fails if an upgrade removes it, changes its signature or stops
// opening every connection through it.
export type SocketOpener = { _initSocket: (label?: string) => Promise<Socket> };

/**
 * clamscan configured for clamd over TCP only: no local clamscan/clamdscan binaries (empty paths,
 * so `init` never runs one), no local fallback, no scan log, quarantine or removal (no files), and
 * no connection test in `init` (its PING leaves a socket to the caller). A fresh object per call:
 * `init` deletes keys from the options it is given.
 */
export function tcpOnlyOptions(address: ClamdAddress, timeoutMs: number): NodeClam.Options {
  return {
    removeInfected: false,
    quarantineInfected: false,
    debugMode: false,
    preference: 'clamdscan',
    clamscan: { path: '', active: false },
    clamdscan: {
      host: address.host,
      port: address.port,
      socket: false,
      tls: false,
      timeout: timeoutMs,
      localFallback: false,
      path: '',
      active: true,
      bypassTest: true,
      multiscan: false,
      reloadDb: false,
    },
  };
}

/**
 * One call of clamscan (scanStream, getVersion or ping) on its own NodeClam instance, with what the
 * library leaves out added on the socket it opens:
 * - an idle timeout that fails the call (clamscan only half-closes, and getVersion then resolves
 *   with an empty string, scanStream with `isInfected: null`);
 * - a reset or close after connecting fails the call (clamscan's getVersion and ping never settle);
 * - the reply bytes, bounded, so the caller can read a reply clamscan turned into a generic error
 *   (the size-limit line) and re-parse strictly what it accepted (`anything: OK` is clean to it);
 * - how clamd hung up (a broken pipe means it stopped reading mid-stream);
 * - the socket is destroyed when the call is over, whatever happened.
 * Settles exactly once; every failure of the exchange is a ScannerUnavailableError.
 */
export class ClamdExchange {
  private socket: Socket | undefined;
  private received = Buffer.alloc(0);
  private over = false;
  private hangUp: HangUp | undefined;
  private fail!: (error: ScannerUnavailableError) => void;
  private readonly failed: Promise<never>;

  private constructor(
    private readonly address: ClamdAddress,
    private readonly timeoutMs: number,
  ) {
    this.failed = new Promise<never>((_resolve, reject) => {
      this.fail = (error) => {
        if (this.over) return;
        this.over = true;
        this.socket?.destroy();
        reject(error);
      };
    });
    // The call may settle first; the exchange's own failure then has nobody to tell.
    this.failed.catch(() => undefined);
  }

  /** Runs `call` on a TCP-only clamscan and returns its result, or throws; the socket is gone afterwards. */
  static async run<T>(address: ClamdAddress, timeoutMs: number, call: (clam: NodeClam, exchange: ClamdExchange) => Promise<T>): Promise<T> {
    const exchange = new ClamdExchange(address, timeoutMs);
    try {
      return await exchange.run(call);
    } finally {
      exchange.close();
    }
  }

  /** An exchange to `run` once and `close`, for a caller that inspects the reply and hang-up after a failure. */
  static open(address: ClamdAddress, timeoutMs: number): ClamdExchange {
    return new ClamdExchange(address, timeoutMs);
  }

  async run<T>(call: (clam: NodeClam, exchange: ClamdExchange) => Promise<T>): Promise<T> {
    let clam: NodeClam;
    try {
      clam = await new NodeClam().init(tcpOnlyOptions(this.address, this.timeoutMs));
    } catch (error) {
      throw this.unavailable(`clamscan would not start: ${messageOf(error)}`, error);
    }
    this.observeSockets(clam);
    try {
      return await Promise.race([call(clam, this), this.failed]);
    } catch (error) {
      if (error instanceof ScannerUnavailableError) throw error;
      // clamscan's own errors: refused, connect timeout, a reset it saw first, "Scan aborted".
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      throw this.unavailable(code ?? messageOf(error), error);
    }
  }

  /** True once the exchange is over (reply received, failure, close): stop sending. */
  get done(): boolean {
    return this.over || this.socket?.destroyed === true || this.socket?.writableEnded === true;
  }

  /** How clamd ended a connection it had accepted, without a reply. */
  get hungUp(): HangUp | undefined {
    return this.hangUp;
  }

  /** The reply up to its NUL (or newline-terminated text), or whatever arrived so far. */
  reply(): string {
    return this.received.toString('utf8').replace(/\0.*$/s, '');
  }

  /** True when a whole `z`-form reply (up to its NUL) arrived. */
  get replyComplete(): boolean {
    return this.received.includes(0);
  }

  /** Resolves when the socket can take more data without buffering further, or the exchange is over. */
  async writable(): Promise<void> {
    const socket = this.socket;
    if (!socket || this.done || !socket.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  /** Ends the exchange now (e.g. the body passed the stream limit): no terminator is ever sent. */
  close(): void {
    this.over = true;
    this.socket?.destroy();
  }

  private observeSockets(clam: NodeClam): void {
    const opener = clam as unknown as SocketOpener;
    if (typeof opener._initSocket !== 'function')
      throw this.unavailable('this clamscan version has no _initSocket to observe (see docs/adr/0008-clamscan-adapter.md)');
    const open = opener._initSocket.bind(clam);
    opener._initSocket = async (label?: string): Promise<Socket> => {
      const socket = await open(label);
      this.watch(socket);
      return socket;
    };
  }

  private watch(socket: Socket): void {
    this.socket = socket;
    if (this.over) {
      socket.destroy();
      return;
    }
    // clamscan sets the same idle timeout, but on expiry only half-closes the socket.
    socket.setTimeout(this.timeoutMs);
    socket.on('timeout', () => this.fail(this.unavailable(`no progress for ${this.timeoutMs} ms`)));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!this.over && (error.code === 'EPIPE' || error.code === 'ECONNRESET')) this.hangUp = error.code === 'EPIPE' ? 'broken_pipe' : 'reset';
      this.fail(this.unavailable(error.code ?? error.message, error));
    });
    socket.on('close', () => {
      if (!this.over) this.hangUp ??= 'closed';
      // Let clamscan settle first on a reply it already has (its 'end' handler runs before 'close').
      setImmediate(() => this.fail(this.unavailable('connection closed before a reply')));
    });
    socket.on('data', (data: Buffer) => {
      this.received = Buffer.concat([this.received, data]);
      if (this.received.length > MAX_REPLY_BYTES) this.fail(this.unavailable('reply too long'));
    });
  }

  private unavailable(why: string, cause?: unknown): ScannerUnavailableError {
    return new ScannerUnavailableError(`clamd at ${this.address.host}:${this.address.port} unavailable: ${why}`, { cause });
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
