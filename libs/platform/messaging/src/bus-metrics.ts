import { Gauge, type Registry } from 'prom-client';
import type { MessageBus } from './message-bus';

/** A scrape never waits on an unreachable broker for longer than this; the gauge then keeps no stale value. */
const LAG_SCRAPE_TIMEOUT_MS = 2_000;

/** Prometheus: `airlock_consumer_lag{group,topic}`, read from the bus at each scrape. */
export function registerBusMetrics(bus: MessageBus, registry: Registry): void {
  if (!bus.consumerLag) return;
  const consumerLag = () => bus.consumerLag?.() ?? Promise.resolve([]);
  new Gauge({
    name: 'airlock_consumer_lag',
    help: 'Messages published but not yet handled and committed, per consumer group and topic',
    labelNames: ['group', 'topic'],
    registers: [registry],
    async collect() {
      this.reset();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('consumer lag timed out')), LAG_SCRAPE_TIMEOUT_MS);
      });
      try {
        const lags = await Promise.race([consumerLag(), timeout]);
        for (const { groupId, topic, lag } of lags) this.set({ group: groupId, topic }, lag);
      } catch {
        // The broker did not answer in time: no sample rather than a stale one (an alert on absent() sees it).
      } finally {
        clearTimeout(timer);
      }
    },
  });
}
