import { ConfigError, loadConfig, type AirlockConfig } from '@airlock/config';
import { createLogger } from '@airlock/http';
import { stopTracing } from '@airlock/telemetry';
import type { Logger } from 'pino';
import { buildInfra, type Infra, type InfraOptions } from './infra';

export type RunningService = { url: string; close(): Promise<void> };
export type ServiceStarter = (infra: Infra, config: AirlockConfig, logger: Logger) => Promise<RunningService>;

/** The `main` of every service process: validated config, infrastructure, graceful shutdown. */
export function runServiceProcess(name: string, start: ServiceStarter, { entities }: Pick<InfraOptions, 'entities'> = {}): void {
  const run = async () => {
    const config = loadConfig();
    const logger = createLogger(name, config.logLevel);
    const infra = await buildInfra(config, { service: name, logger, entities });
    const service = await start(infra, config, logger);
    logger.info({ url: service.url, mode: infra.mode, scanner: infra.scanner.describe() }, `${name} started`);
    const stop = async () => {
      await service.close().catch((err) => logger.warn({ err }, 'service close failed'));
      await infra.close();
      // The last spans (a release just done) are sent before the process goes.
      await stopTracing().catch((err) => logger.warn({ err }, 'flushing traces failed'));
      process.exit(0);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  };
  run().catch((error: unknown) => {
    process.stderr.write(`${startFailure(name, error)}\n`);
    process.exit(1);
  });
}

/** One JSON line: a refused configuration is a sentence for the operator; anything else keeps its stack. */
export function startFailure(service: string, error: unknown): string {
  if (error instanceof ConfigError) return JSON.stringify({ level: 'fatal', service, code: error.code, msg: `refused to start: ${error.message}` });
  return JSON.stringify({ level: 'fatal', service, msg: 'failed to start', err: String((error as Error)?.stack ?? error) });
}
