import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import NodeClam from 'clamscan';
import { tcpOnlyOptions, type SocketOpener } from './clamd-exchange';
import { FakeClamd } from './fake-clamd.server';

// ClamdExchange (clamd-exchange.ts) adds the idle timeout, reset handling, bounded reply bytes and
// hang-up kind on the socket clamscan opens, which it gets by wrapping clamscan's private
// `_initSocket` (docs/adr/0008-clamscan-adapter.md says why the public API cannot do it). This is
// the tripwire for a clamscan upgrade: each case fails, naming what changed, if the method goes,
// changes its signature or result, or if a call we make opens its connection some other way (the
// wrap would then watch nothing).

const WRITTEN_AGAINST = '2.4.0';
let fake: FakeClamd;

beforeAll(async () => {
  fake = await FakeClamd.start({ version: 'ClamAV 1.4.6/27400/Sat Nov 28 09:00:00 2026', afterStream: { reply: 'stream: OK' } });
});

afterAll(async () => {
  await fake.stop();
});

async function tcpOnlyClam(): Promise<NodeClam> {
  return new NodeClam().init(tcpOnlyOptions({ host: '127.0.0.1', port: fake.port }, 2_000));
}

/** Records every socket clamscan opens through `_initSocket`, with the label it passes. */
function spyOnOpener(clam: NodeClam): { label: string | undefined; socket: Socket }[] {
  const opener = clam as unknown as SocketOpener;
  const open = opener._initSocket.bind(clam);
  const opened: { label: string | undefined; socket: Socket }[] = [];
  opener._initSocket = async (label?: string) => {
    const socket = await open(label);
    opened.push({ label, socket });
    return socket;
  };
  return opened;
}

describe("clamscan's private socket opener, which ClamdExchange wraps", () => {
  it(`is the clamscan version the wrap was written against (${WRITTEN_AGAINST}); an upgrade must re-read the library and this ADR first`, () => {
    const manifest = JSON.parse(readFileSync(path.join(path.dirname(require.resolve('clamscan')), 'package.json'), 'utf8')) as { version: string };
    expect({ clamscan: manifest.version, see: 'docs/adr/0008-clamscan-adapter.md' }).toEqual({
      clamscan: WRITTEN_AGAINST,
      see: 'docs/adr/0008-clamscan-adapter.md',
    });
  });

  it('exists as a method taking one optional label', () => {
    const method = (NodeClam.prototype as unknown as Partial<SocketOpener>)._initSocket;
    expect(typeof method).toBe('function');
    // `_initSocket(label = '')`: a default parameter does not count in Function.length.
    expect(method?.length).toBe(0);
  });

  it('resolves to a net.Socket connected to the configured clamd', async () => {
    const clam = await tcpOnlyClam();
    const socket = await (clam as unknown as SocketOpener)._initSocket('probe');
    try {
      expect(socket).toBeInstanceOf(Socket);
      expect({ host: socket.remoteAddress, port: socket.remotePort }).toEqual({ host: '127.0.0.1', port: fake.port });
    } finally {
      socket.destroy();
    }
  });

  it('is how scanStream, getVersion and ping each open their one connection', async () => {
    const scan = await tcpOnlyClam();
    const scanOpened = spyOnOpener(scan);
    expect(await scan.scanStream(Readable.from([Buffer.from('harmless bytes')]))).toMatchObject({ isInfected: false });
    expect(scanOpened.map((o) => o.label)).toEqual(['scanStream']);

    const version = await tcpOnlyClam();
    const versionOpened = spyOnOpener(version);
    expect(await version.getVersion()).toContain('ClamAV 1.4.6');
    expect(versionOpened.map((o) => o.label)).toEqual(['getVersion']);

    const ping = await tcpOnlyClam();
    const pingOpened = spyOnOpener(ping);
    await ping.ping();
    expect(pingOpened.map((o) => o.label)).toEqual(['ping']);

    for (const { socket } of [...scanOpened, ...versionOpened, ...pingOpened]) socket.destroy();
  });
});
