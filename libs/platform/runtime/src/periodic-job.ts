import type { Logger } from 'pino';

/**
 * A housekeeping job (retention sweep, released-bucket reconciliation): runs at start and then every
 * `intervalMs`, never two runs at once (a caller asking meanwhile shares the run in progress); a
 * failed run is logged and the next tick tries again. The timer never holds the process open.
 */
export class PeriodicJob<T> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<T> | undefined;

  constructor(
    private readonly name: string,
    private readonly work: () => Promise<T>,
    private readonly logger: Pick<Logger, 'error'>,
  ) {}

  start(intervalMs: number): void {
    if (this.timer) return;
    const tick = () => void this.run().catch((err) => this.logger.error({ err }, `${this.name} failed`));
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  run(): Promise<T> {
    this.running ??= this.work().finally(() => (this.running = undefined));
    return this.running;
  }
}
