#!/usr/bin/env node
// The compose dry run: boots what docker-compose.yml describes, without Docker, and fails unless
// every service reports ready. Input: the project as compose-go normalised it (compose-check -json),
// so each service gets exactly the environment, command and mounts the compose file gives it, after
// interpolation. Then, since there are no containers here:
//   - container paths (volumes, secrets, tmpfs) become directories under one temporary root: a named
//     volume is one directory shared by every service that mounts it, as in Docker;
//   - compose hostnames become 127.0.0.1 ports: servers whose command runs here (the S3 server, the
//     one-shot init steps) are started from the compose file itself on free ports; PostgreSQL, Kafka
//     and clamd are the local stack's (deploy/local/stack.sh env), with a fresh database per run;
//   - the services' own listen ports become free ports (the healthcheck URL follows).
// A service is ready when the URL its healthcheck polls answers 2xx. Our services run compiled
// (dist/, `node tools/build.js`) with the Dockerfile's own CMD.
'use strict';
const { spawn } = require('node:child_process');
const { generateKeyPairSync, randomBytes } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const READY_TIMEOUT_MS = Number(process.env.AIRLOCK_DRY_RUN_TIMEOUT_MS ?? 180_000);
const CACHE = process.env.AIRLOCK_CACHE ?? path.join(os.homedir(), '.cache', 'airlock');

// Images whose entrypoint can run here, as the image would run it.
const IMAGE_ENTRYPOINTS = {
  'versity/versitygw:v1.8.0': [path.join(CACHE, 'versitygw-v1.8.0', 'bin', 'versitygw')],
};
// Images with a shell, for one-shot steps that override the entrypoint with /bin/sh.
const SHELL_IMAGES = new Set(['busybox:1.37', 'versity/versitygw:v1.8.0']);
// Servers the local stack stands in for: compose host:port -> the stack's address.
function stackServers(env) {
  const db = new URL(required(env, 'AIRLOCK_DATABASE_URL'));
  const s3 = new URL(required(env, 'AIRLOCK_S3_ENDPOINT'));
  return {
    'postgres:5432': `${db.hostname}:${db.port}`,
    'kafka:9092': required(env, 'AIRLOCK_KAFKA_BROKERS').split(',')[0].trim(),
    's3:7070': `${s3.hostname}:${s3.port}`,
    [`clamd:3310`]: `${required(env, 'AIRLOCK_CLAMD_HOST')}:${required(env, 'AIRLOCK_CLAMD_PORT')}`,
  };
}

function required(env, name) {
  if (!env[name]) throw new Error(`${name} is not set: run with the local stack's environment (eval "$(bash deploy/local/stack.sh env)")`);
  return env[name];
}

const log = (message) => process.stdout.write(`dry-run: ${message}\n`);

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net
      .createServer()
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address();
        server.close(() => resolve(port));
      })
      .on('error', reject);
  });
}

/** The Dockerfile's CMD (exec form), with ${SERVICE} from the service's build args. */
function dockerfileCommand(service) {
  const dockerfile = path.resolve(service.build.context, service.build.dockerfile ?? 'Dockerfile');
  const text = fs.readFileSync(dockerfile, 'utf8');
  const cmd = text
    .split('\n')
    .filter((l) => l.startsWith('CMD '))
    .pop();
  if (!cmd) throw new Error(`${dockerfile} has no CMD`);
  const args = JSON.parse(cmd.slice(4));
  const serviceName = service.build.args?.SERVICE;
  if (!serviceName) throw new Error(`build.args.SERVICE is not set`);
  const workdir = text
    .split('\n')
    .filter((l) => l.startsWith('WORKDIR '))
    .pop()
    ?.slice(8)
    .trim();
  const envLines = text.split('\n').filter((l) => l.startsWith('ENV '));
  const imageEnv = {};
  for (const line of envLines) for (const [, k, v] of line.slice(4).matchAll(/(\w+)=(\S+)/g)) imageEnv[k] = v;
  // `sh -c "exec node ... ${SERVICE} ..."`: expanded here as the image's shell would.
  return { argv: args.map((a) => a.replaceAll('${SERVICE}', serviceName)), workdir, imageEnv: { ...imageEnv, SERVICE: serviceName } };
}

function healthUrl(service) {
  const test = (service.healthcheck?.test ?? []).join(' ');
  return test.match(/https?:\/\/[^\s'"`)]+/)?.[0];
}

/** Container path -> host path, through the service's mounts (longest target first). */
function mountMapper(name, service, dirs) {
  const mounts = [];
  for (const v of service.volumes ?? []) {
    if (v.type === 'volume') mounts.push([v.target, dirs.volume(v.source)]);
    else if (v.type === 'bind') mounts.push([v.target, v.source]);
    else if (v.type === 'tmpfs') mounts.push([v.target, dirs.scratch(name, v.target)]);
  }
  for (const t of service.tmpfs ?? []) mounts.push([t, dirs.scratch(name, t)]);
  for (const s of service.secrets ?? []) {
    const target = s.target?.startsWith('/') ? s.target : `/run/secrets/${s.target ?? s.source}`;
    mounts.push([target, dirs.secret(s.source)]);
  }
  mounts.sort((a, b) => b[0].length - a[0].length);
  const mapPath = (p) => {
    const hit = mounts.find(([target]) => p === target || p.startsWith(`${target}/`));
    return hit ? hit[1] + p.slice(hit[0].length) : path.join(dirs.rootfs(name), p);
  };
  // Inside a shell command line: every absolute path that starts at a mount target.
  const mapText = (text) => {
    let out = text;
    for (const [target, host] of mounts)
      out = out.replace(new RegExp(`(^|[\\s:=])${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?=/|\\s|$)`, 'g'), `$1${host}`);
    return out;
  };
  return { mapPath, mapText, isMounted: (p) => mounts.some(([t]) => p === t || p.startsWith(`${t}/`)) };
}

async function main() {
  const [projectFile] = process.argv.slice(2);
  if (!projectFile) throw new Error('usage: dry-run.js project.json (from compose-check -json)');
  const project = JSON.parse(fs.readFileSync(projectFile, 'utf8'));
  const stack = stackServers(process.env);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-compose-dry-run-'));
  const ensure = (p) => (fs.mkdirSync(p, { recursive: true }), p);
  const dirs = {
    volume: (name) => ensure(path.join(tmp, 'volumes', name)),
    scratch: (service, target) => ensure(path.join(tmp, 'tmpfs', service, target)),
    rootfs: (service) => ensure(path.join(tmp, 'rootfs', service)),
    secret: (name) => path.join(ensure(path.join(tmp, 'secrets')), name),
  };
  // The secrets' files are the operator's (never committed): made here as the compose file's header says.
  for (const [name, secret] of Object.entries(project.secrets ?? {})) {
    if (!/signing-key\.pem$/.test(secret.file ?? '')) throw new Error(`secret ${name}: the dry run knows how to make only the audit signing key`);
    const { privateKey } = generateKeyPairSync('ed25519');
    fs.writeFileSync(dirs.secret(name), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o400 });
  }

  const services = project.services;
  const addresses = { ...stack };
  const database = `airlock_dry_run_${randomBytes(4).toString('hex')}`;
  const { Client } = require('pg');
  const admin = new Client({ connectionString: `postgres://airlock@${stack['postgres:5432']}/postgres` });
  await admin.connect();
  await admin.query(`create database ${database}`);
  log(`temporary root ${tmp}; database ${database} on the local stack`);

  const order = topologicalOrder(services);
  const ready = new Set();
  let failed = false;
  try {
    for (const group of order) {
      await Promise.all(
        group.map(async (name) => {
          const outcome = await runService(name, services[name]);
          if (outcome) ready.add(name);
          else failed = true;
        }),
      );
      if (failed) break;
    }
  } finally {
    for (const child of children.reverse()) await child.stop();
    await admin.query(`drop database if exists ${database} with (force)`).catch(() => undefined);
    await admin.end();
    if (!failed) fs.rmSync(tmp, { recursive: true, force: true });
  }
  const names = Object.keys(services).sort();
  log(`${ready.size} of ${names.length} services ready or completed: ${[...ready].sort().join(', ')}`);
  if (failed || ready.size !== names.length) {
    log(`FAILED; not ready: ${names.filter((n) => !ready.has(n)).join(', ')} (files kept in ${tmp})`);
    process.exitCode = 1;
  }

  async function runService(name, service) {
    const mapper = mountMapper(name, service, dirs);
    const serverAddress = Object.keys(stack).find((hostPort) => hostPort.startsWith(`${name}:`));
    let argv;
    let cwd = tmp;
    let env = {};
    if (service.build) {
      const cmd = dockerfileCommand(service);
      argv = cmd.argv;
      cwd = ROOT; // the image's WORKDIR holds the repository's build output, as dist/ here
      env = cmd.imageEnv;
    } else if (service.entrypoint?.length && SHELL_IMAGES.has(service.image) && service.entrypoint[0] === '/bin/sh') {
      argv = service.entrypoint.map((a, i) => (i === 0 ? '/bin/sh' : mapper.mapText(a)));
    } else if (IMAGE_ENTRYPOINTS[service.image] && !service.entrypoint?.length) {
      argv = [...IMAGE_ENTRYPOINTS[service.image], ...(service.command ?? []).map((a) => mapper.mapText(a))];
    } else if (serverAddress) {
      // PostgreSQL, Kafka, clamd: the local stack's server of the same kind stands in.
      const [host, port] = addresses[serverAddress].split(':');
      const up = await canConnect(host, Number(port));
      log(`${name}: ${service.image} is the local stack's ${addresses[serverAddress]}: ${up ? 'ready' : 'NOT reachable'}`);
      return up;
    } else {
      log(`${name}: cannot run ${service.image} here and the local stack has no stand-in`);
      return false;
    }

    // Environment: the compose file's, with hosts, ports and paths mapped.
    let url = healthUrl(service);
    const healthPort = url ? Number(new URL(url).port) : undefined;
    const listenPort = healthPort ? await freePort() : undefined;
    for (const [key, raw] of Object.entries(service.environment ?? {})) env[key] = mapValue(key, raw ?? '', service.environment, mapper);
    if (healthPort) {
      for (const [key, value] of Object.entries(env)) if (/_PORT$/.test(key) && value === String(healthPort)) env[key] = String(listenPort);
      argv = argv.map((a) => a.replace(new RegExp(`(^|[^\\d]):${healthPort}\\b`, 'g'), `$1:${listenPort}`));
      url = url.replace(`:${healthPort}`, `:${listenPort}`);
    }
    if (serverAddress) addresses[serverAddress] = `127.0.0.1:${listenPort}`;
    // A path the service reads from configuration must be one a mount provides, or it is not there.
    for (const [key, value] of Object.entries(service.environment ?? {})) {
      if (/_FILE$/.test(key) && value?.startsWith('/') && !mapper.isMounted(value)) {
        log(`${name}: ${key}=${value} is on no volume or secret: the container would not have it`);
        return false;
      }
    }
    log(`${name}: starting ${argv.map((a) => (a.length > 60 ? `${a.slice(0, 57)}...` : a)).join(' ')}${url ? ` (ready at ${url})` : ''}`);
    const child = start(name, argv, cwd, env);
    children.push(child);
    if (!url) {
      const code = await child.exited;
      log(`${name}: one-shot step exited ${code}`);
      return code === 0;
    }
    const ok = await waitReady(url, child);
    log(`${name}: ${ok ? 'ready' : 'NOT ready'}`);
    if (!ok)
      process.stdout.write(
        child
          .output()
          .split('\n')
          .slice(-40)
          .map((l) => `  ${name}| ${l}`)
          .join('\n') + '\n',
      );
    return ok;
  }

  function mapValue(key, value, all, mapper) {
    if (value.startsWith('/')) return mapper.mapPath(value);
    // host:port of a compose service, in URLs and broker lists.
    let out = value.replace(/\b([a-z][a-z0-9-]*):(\d+)\b/g, (whole, host, port) => addresses[`${host}:${port}`] ?? whole);
    // The database: the local stack's, a fresh one for this run.
    if (key === 'AIRLOCK_DATABASE_URL' || key === 'AIRLOCK_AUDIT_DATABASE_URL') {
      const u = new URL(out);
      u.pathname = `/${database}`;
      out = u.toString();
    }
    // A bare host (AIRLOCK_CLAMD_HOST=clamd) and its port setting.
    const match = /^(.*)_HOST$/.exec(key);
    if (match) {
      const port = all[`${match[1]}_PORT`];
      const address = addresses[`${value}:${port}`];
      if (address) out = address.split(':')[0];
    }
    const portOf = /^(.*)_PORT$/.exec(key);
    if (portOf && all[`${portOf[1]}_HOST`]) {
      const address = addresses[`${all[`${portOf[1]}_HOST`]}:${value}`];
      if (address) out = address.split(':')[1];
    }
    return out;
  }
}

// Every process started here, in its own process group: stopped on the way out, however we leave.
const children = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`${signal}: stopping what the dry run started`);
    process.exit(1);
  });
}

function start(name, argv, cwd, env) {
  const child = spawn(argv[0], argv.slice(1), { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal));
    child.on('error', (error) => {
      output += `\n${error.message}`;
      resolve(-1);
    });
  });
  return {
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null)
        try {
          process.kill(-child.pid, signal);
        } catch {
          /* gone */
        }
    },
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitReady(url, child) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!child.alive()) return false;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (response.ok) return true;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

function canConnect(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3000 }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Groups of services, each group depending only on earlier ones (compose's start order). */
function topologicalOrder(services) {
  const remaining = new Set(Object.keys(services));
  const done = new Set();
  const groups = [];
  while (remaining.size > 0) {
    const group = [...remaining].filter((n) => Object.keys(services[n].depends_on ?? {}).every((d) => done.has(d))).sort();
    if (group.length === 0) throw new Error(`depends_on has a cycle among ${[...remaining].join(', ')}`);
    for (const n of group) {
      remaining.delete(n);
      done.add(n);
    }
    groups.push(group);
  }
  return groups;
}

main().catch((error) => {
  process.stderr.write(`dry-run: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
