// A tiny in-test clamd for the edge cases the real one will not produce on demand
// (garbage, resets, silence, slow reading). Speaks clamd's command forms (those clamscan sends:
// bare `PING`, `nVERSION`, `zINSTREAM`) and INSTREAM framing; the real clamd is covered by clamd-scanner.int-spec.ts.
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';

export type InstreamSeen = { bytes: number; sha256: string; frameSizes: number[]; terminated: boolean };

export type FakeClamdScript = {
  /** Reply to VERSION; 'silent' never answers, 'reset' drops the connection. */
  version?: string | 'silent' | 'reset';
  /** What to do once the INSTREAM terminator arrives. */
  afterStream?: { reply: string } | 'silent' | 'close';
  /** Act once more than this many data bytes arrived, before the terminator. */
  midStream?: { afterBytes: number; action: { reply: string; thenClose: boolean } | 'reset' | 'reset-and-exit' };
  /** Read slowly: pause this long after every data event (backpressure tests). */
  readDelayMs?: number;
};

const NUL = 0;
const NEWLINE = 0x0a;

/**
 * clamd's three command forms: `zCMD\0` and `nCMD\n` (answered with the same terminator), and the
 * legacy bare `PING` that clamscan's ping() sends with no terminator at all (answered with a newline).
 */
function parseCommand(pending: Buffer): { command: string; terminator: string; length: number } | undefined {
  const prefix = String.fromCharCode(pending[0] ?? 0);
  if (prefix === 'z' || prefix === 'n') {
    const end = pending.indexOf(prefix === 'z' ? NUL : NEWLINE);
    if (end < 0) return undefined;
    return { command: pending.subarray(1, end).toString(), terminator: prefix === 'z' ? '\0' : '\n', length: end + 1 };
  }
  const newline = pending.indexOf(NEWLINE);
  if (newline >= 0) return { command: pending.subarray(0, newline).toString(), terminator: '\n', length: newline + 1 };
  if (pending.toString() === 'PING') return { command: 'PING', terminator: '\n', length: 4 };
  return undefined;
}

export class FakeClamd {
  readonly streams: InstreamSeen[] = [];
  receivedBytes = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(private script: FakeClamdScript) {
    this.server = createServer((socket) => this.serve(socket));
  }

  static async start(script: FakeClamdScript = {}): Promise<FakeClamd> {
    const fake = new FakeClamd(script);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    const address = this.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('fake clamd not listening');
    return address.port;
  }

  use(script: FakeClamdScript): void {
    this.script = script;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const script = this.script;
    let pending: Buffer = Buffer.alloc(0);
    let command: string | undefined;
    let frameLeft = 0;
    const seen: InstreamSeen = { bytes: 0, sha256: '', frameSizes: [], terminated: false };
    const hasher = createHash('sha256');
    let actedMidStream = false;

    const onInstreamData = (): void => {
      while (!seen.terminated) {
        if (frameLeft > 0) {
          const take = pending.subarray(0, frameLeft);
          if (take.length === 0) return;
          hasher.update(take);
          seen.bytes += take.length;
          this.receivedBytes += take.length;
          frameLeft -= take.length;
          pending = pending.subarray(take.length);
          const mid = script.midStream;
          if (mid && !actedMidStream && seen.bytes > mid.afterBytes) {
            actedMidStream = true;
            if (mid.action === 'reset' || mid.action === 'reset-and-exit') {
              // A crashed clamd stops listening too: later connections are refused.
              if (mid.action === 'reset-and-exit') this.server.close();
              socket.resetAndDestroy();
            } else {
              socket.write(`${mid.action.reply}\0`);
              if (mid.action.thenClose) socket.destroy();
            }
            return;
          }
          continue;
        }
        if (pending.length < 4) return;
        const length = pending.readUInt32BE(0);
        pending = pending.subarray(4);
        if (length === 0) {
          seen.terminated = true;
          seen.sha256 = hasher.digest('hex');
          const after = script.afterStream ?? { reply: 'stream: OK' };
          if (after === 'close') socket.destroy();
          else if (after !== 'silent') socket.end(`${after.reply}\0`);
          return;
        }
        seen.frameSizes.push(length);
        frameLeft = length;
      }
    };

    socket.on('data', (data: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, data]) : data;
      if (command === undefined) {
        const parsed = parseCommand(pending);
        if (parsed === undefined) return;
        command = parsed.command;
        pending = pending.subarray(parsed.length);
        const end = parsed.terminator;
        if (command === 'PING') socket.end(`PONG${end}`);
        else if (command === 'VERSION') {
          if (script.version === 'reset') socket.resetAndDestroy();
          else if (script.version !== 'silent') socket.end(`${script.version ?? 'ClamAV 1.4.6/27400/Sat Nov 28 09:00:00 2026'}${end}`);
        } else if (command === 'INSTREAM') this.streams.push(seen);
        else socket.end(`UNKNOWN COMMAND${end}`);
      }
      if (command === 'INSTREAM') onInstreamData();
      if (script.readDelayMs && !socket.destroyed) {
        socket.pause();
        setTimeout(() => socket.resume(), script.readDelayMs);
      }
    });
  }
}
