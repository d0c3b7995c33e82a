import net from 'node:net';

/**
 * What stands in front of two instances of a service in production (a Kubernetes Service, a load
 * balancer): each connection goes to the next instance in turn, and to the other one when the
 * first refuses (a killed instance). A connection cut mid-request stays cut, as it would there.
 */
export type TcpBalancer = { url: string; port: number; close(): Promise<void> };

export async function startTcpBalancer(targets: () => number[], port = 0): Promise<TcpBalancer> {
  let next = 0;
  const open = new Set<net.Socket>();
  const connectToOne = (client: net.Socket, ports: number[], attempt: number): void => {
    if (attempt >= ports.length) {
      client.destroy();
      return;
    }
    const target = ports[(next + attempt) % ports.length];
    const upstream = net.connect({ host: '127.0.0.1', port: target });
    open.add(upstream);
    upstream.once('close', () => open.delete(upstream));
    upstream.once('connect', () => {
      upstream.removeAllListeners('error');
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.once('error', () => {
      upstream.destroy();
      connectToOne(client, ports, attempt + 1);
    });
  };
  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    const ports = targets();
    next = (next + 1) % Math.max(ports.length, 1);
    connectToOne(client, ports, 0);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        open.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  };
}
