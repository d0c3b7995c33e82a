import { Counter, Histogram, type Registry } from 'prom-client';

// The disclosure-check's business metrics (docs/operations.md, metrics). Created once per process
// and registered on the service's registry by disclosure-check.app.ts.
const SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export const disclosureCheckMetrics = {
  scanDuration: new Histogram({
    name: 'airlock_scan_duration_seconds',
    help: 'Malware scan of one frozen file, by result (clean, infected, not_scanned, error)',
    labelNames: ['result'],
    buckets: SECONDS,
    registers: [],
  }),
  checkDuration: new Histogram({
    name: 'airlock_check_duration_seconds',
    help: 'Disclosure rules over one turn of a request (all its files together)',
    buckets: SECONDS,
    registers: [],
  }),
  verdicts: new Counter({
    name: 'airlock_file_verdicts_total',
    help: 'Disclosure-check verdicts recorded, by verdict',
    labelNames: ['verdict'],
    registers: [],
  }),
};

export function registerDisclosureCheckMetrics(registry: Registry): void {
  const { scanDuration, checkDuration, verdicts } = disclosureCheckMetrics;
  registry.registerMetric(scanDuration);
  registry.registerMetric(checkDuration);
  registry.registerMetric(verdicts);
}
