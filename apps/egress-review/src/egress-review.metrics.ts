import type { Db } from '@airlock/database';
import { STATE_OWNER, type RequestStatus } from '@airlock/domain';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

// The egress-review's business metrics (docs/operations.md, metrics). The counters are created once
// per process and registered on the service's registry by egress-review.app.ts.
export const egressReviewMetrics = {
  filesReleased: new Counter({ name: 'airlock_files_released_total', help: 'Files copied to the released bucket and recorded as released', registers: [] }),
  releaseCopyDuration: new Histogram({
    name: 'airlock_release_copy_duration_seconds',
    help: 'Verified server-side copy of one file to the released bucket',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [],
  }),
};

const STATUSES = Object.keys(STATE_OWNER) as RequestStatus[];

/**
 * `airlock_requests{status}`: requests in each state, read from the review read model at each
 * scrape (it follows every request event), every state present so a state that empties reads 0.
 */
export function registerEgressReviewMetrics(registry: Registry, db: Db): void {
  registry.registerMetric(egressReviewMetrics.filesReleased);
  registry.registerMetric(egressReviewMetrics.releaseCopyDuration);
  new Gauge({
    name: 'airlock_requests',
    help: 'Requests by lifecycle state (review read model)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const { rows } = await db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM review_requests GROUP BY status');
      const counts = new Map(rows.map((row) => [row.status, row.n]));
      for (const status of STATUSES) this.set({ status }, counts.get(status) ?? 0);
    },
  });
}
