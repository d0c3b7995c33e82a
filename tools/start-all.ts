import './start-all-instrument';
import 'reflect-metadata';
import path from 'node:path';
import { ConfigError, loadConfig, withDevIdentityOnEmbeddedDefaults, type AirlockConfig } from '@airlock/config';
import { createDb, startEmbeddedPostgres } from '@airlock/database';
import { createLogger } from '@airlock/http';
import type { Logger } from 'pino';
import { InProcessMessageBus } from '@airlock/messaging';
import { announceDevIdentity, buildInfra, malwareScanner, startDevIdentity, type Infra, type RunningService, type ServiceStarter } from '@airlock/runtime';
import { UnavailableScanner, type MalwareScanner } from '@airlock/scanning';
import { stopTracing } from '@airlock/telemetry';
import { startAudit } from '../apps/audit/src/audit.app';
import { startDisclosureCheck } from '../apps/disclosure-check/src/disclosure-check.app';
import { startEgressReview } from '../apps/egress-review/src/egress-review.app';
import { reviewReadModelEntities } from '../apps/egress-review/src/review-read-model';
import { startIngress } from '../apps/ingress/src/ingress.app';
import { bringOwnClamd } from './own-clamd';

// `npm start`: the whole airlock in one process. Servers that are configured (AIRLOCK_* variables)
// are used; everything else runs embedded: PGlite, the in-process bus, local disk. On embedded
// defaults with no OIDC issuer it opts into the development issuer (AIRLOCK_DEV_IDENTITY=true),
// which loadConfig still refuses on a non-loopback AIRLOCK_HOST.
const SERVICES: [string, ServiceStarter][] = [
  ['ingress', startIngress],
  ['disclosure-check', startDisclosureCheck],
  ['egress-review', startEgressReview],
  ['audit', startAudit],
];

/**
 * One scanner for all four services: a clamd of its own when none is configured or running
 * (tools/own-clamd.ts). Where clamd cannot be had, this says so once, here, and files stay "not scanned".
 */
async function scannerForAll(config: AirlockConfig, logger: Logger, closers: (() => Promise<void>)[]): Promise<MalwareScanner> {
  const clamd = await bringOwnClamd(config, process.env, (line) => process.stdout.write(`${line}\n`));
  if (clamd.outcome === 'unavailable') {
    process.stdout.write(
      `\nNO MALWARE SCANNER: clamd could not be had (${clamd.reason}).\n` +
        `Files will be marked "not scanned" and can never be released; \`npm run demo\` will stop at "not scanned".\n` +
        `Fix that (clamd comes from Debian's clamav-daemon) and start again, or set AIRLOCK_CLAMD_HOST to a running clamd.\n\n`,
    );
    return new UnavailableScanner();
  }
  if (clamd.outcome === 'started') {
    process.stdout.write(`clamd is running on 127.0.0.1:${clamd.port} (stopped again when the airlock stops)\n`);
    closers.push(clamd.stop);
  }
  return malwareScanner(config, logger);
}

async function main() {
  const config = loadConfig(withDevIdentityOnEmbeddedDefaults(process.env));
  const logger = createLogger('airlock', config.logLevel);
  const closers: (() => Promise<void>)[] = [];
  const scanner = await scannerForAll(config, logger, closers);
  let dbUrl = config.database.url;
  if (!dbUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir: path.resolve(config.dataDir, 'pgdata') });
    closers.push(() => embedded.stop());
    dbUrl = embedded.url;
  }
  // One data source for all four: it maps every service's read-model entities.
  const db = createDb({ url: dbUrl, max: config.database.url ? 10 : 1, applicationName: 'airlock-all-in-one', entities: reviewReadModelEntities });
  const bus = config.kafka.brokers ? undefined : new InProcessMessageBus();
  const devIdentity = config.devIdentity ? await startDevIdentity(config, logger) : undefined;
  if (devIdentity) announceDevIdentity(config, logger);
  const running: { infra: Infra; service: RunningService }[] = [];
  for (const [name, start] of SERVICES) {
    const serviceLogger = logger.child({ service: name });
    const infra = await buildInfra(config, { service: name, logger: serviceLogger, shared: { db, ...(bus ? { bus } : {}), devIdentity, scanner } });
    running.push({ infra, service: await start(infra, config, serviceLogger) });
  }
  const [first] = running;
  logger.info(
    { mode: first.infra.mode, scanner: first.infra.scanner.describe(), urls: Object.fromEntries(running.map((r, i) => [SERVICES[i][0], r.service.url])) },
    'airlock is running',
  );
  process.stdout.write(
    `\nAirlock is running (${first.infra.mode} mode, scanner: ${first.infra.scanner.describe()})\n` +
      running.map((r, i) => `  ${SERVICES[i][0].padEnd(17)} ${r.service.url}`).join('\n') +
      `\n${devIdentity ? `  dev tokens:       POST ${running[0].service.url}/dev/token {"userId":"alice","roles":["researcher"]}\n                    (development issuer: anyone who can reach this port can become administrator)\n` : ''}` +
      `  try:              npm run demo\n\n`,
  );
  // Under `npm start` a Ctrl-C reaches this process twice (from the terminal, and forwarded by npm):
  // the second must not cut the first stop short, or the embedded database and clamd are left running.
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      for (const { service, infra } of running.reverse()) {
        await service.close().catch(() => undefined);
        await infra.close();
      }
      await bus?.close();
      await db.close();
    } finally {
      for (const close of closers) await close().catch((err: unknown) => logger.warn({ err }, 'close failed'));
      // The spans still buffered (the stop's own among them) leave before the process does.
      await stopTracing().catch((err: unknown) => logger.warn({ err }, 'flushing traces failed'));
    }
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  // A refused configuration is a sentence for the operator, not a stack trace.
  process.stderr.write(`airlock failed to start: ${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
