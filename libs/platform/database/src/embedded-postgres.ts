import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

export type EmbeddedPostgres = {
  /** A `postgres://` URL the ordinary `pg` driver connects to. Use a pool of `max: 1`. */
  url: string;
  stop(): Promise<void>;
};

type WorkerReply = { kind: 'listening'; address: string } | { kind: 'stopped' } | { kind: 'failed'; message: string };

// Plain JS run in a worker thread: PGlite executes synchronously in WASM, so on the main thread
// every query would stall the app's event loop; it also loads its WASM through native `import()`,
// which a worker (unlike jest's VM) always provides.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglitePath);
const { PGLiteSocketServer } = require(workerData.socketPath);
(async () => {
  const db = await PGlite.create(workerData.dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
  await server.start();
  parentPort.on('message', async () => {
    await server.stop();
    await db.close();
    parentPort.postMessage({ kind: 'stopped' });
  });
  parentPort.postMessage({ kind: 'listening', address: server.getServerConn() });
})().catch((error) => parentPort.postMessage({ kind: 'failed', message: String(error && error.stack || error) }));
`;

/**
 * PostgreSQL compiled to WASM (PGlite) behind the Postgres wire protocol on 127.0.0.1, so the same
 * `pg` code runs with nothing installed (the `npm start` default). It serves one connection: the
 * socket server would otherwise interleave two clients' protocol messages in its one backend.
 * `dataDir` undefined keeps the database in memory.
 */
export async function startEmbeddedPostgres({ dataDir }: { dataDir?: string } = {}): Promise<EmbeddedPostgres> {
  // PGlite creates only the last directory; on a fresh clone `.airlock/` does not exist yet.
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      dataDir,
      pglitePath: require.resolve('@electric-sql/pglite'),
      socketPath: require.resolve('@electric-sql/pglite-socket'),
    },
  });
  const started = await nextReply(worker);
  if (started.kind !== 'listening') {
    await worker.terminate();
    throw new Error(`embedded postgres failed to start: ${started.kind === 'failed' ? started.message : started.kind}`);
  }
  return {
    url: `postgres://postgres@${started.address}/postgres`,
    stop: async () => {
      worker.postMessage('stop');
      await nextReply(worker);
      await worker.terminate();
    },
  };
}

function nextReply(worker: Worker): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}
