import path from 'node:path';
import { formatDisclosureReport, runDisclosureBench, writeDisclosureReport } from './disclosure.bench';

// Runnable alone (needs no stack): `node -r @swc-node/register bench/disclosure/run.ts`;
// `npm run bench` runs it too. AIRLOCK_BENCH_QUICK=1 for small tables.
const OUT_DIR = path.resolve(__dirname, '..', 'out');
const report = runDisclosureBench(OUT_DIR);
process.stdout.write(formatDisclosureReport(report));
process.stdout.write(`written to ${path.relative(process.cwd(), writeDisclosureReport(OUT_DIR, report))}\n`);
