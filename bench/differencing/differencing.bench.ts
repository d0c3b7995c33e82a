import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createDb, runMigrations, type Db } from '@airlock/database';
import { checkDifferencing, checkFile, DEFAULT_POLICY, tableKeys, type TableSnapshot } from '@airlock/disclosure-rules';
import { realStack } from '@airlock/testing';
import { releasedTablesMigrations } from '../../apps/disclosure-check/src/ledger/released-tables.migrations';
import { ReleasedTables } from '../../apps/disclosure-check/src/ledger/released-tables.repository';

// Issue 11: the time to check a new 1,000-cell table (100 single years of age x 10 areas) for
// differencing against a ledger of released tables held in PostgreSQL, beside the single-table
// rules on the same table. The ledger is mostly unrelated tables plus some that share the new
// table's columns and are banded by age (5-year bands): the candidates the check must compare.
// Memory is sampled during the checks at two ledger sizes: it must not grow with the ledger.

export type DifferencingBenchResult = {
  cells: number;
  runs: number;
  ledgers: { tables: number; candidates: number; medianMs: number; p95Ms: number; queryOnlyMedianMs: number; heapGrowthBytes: number; peakRssBytes: number }[];
  singleTableRules: { medianMs: number };
  findings: number;
};

const AREAS = Array.from({ length: 10 }, (_, i) => `area ${i + 1}`);
const CANDIDATES = 50;
const INSERT_BATCH = 500;

const newTable = (): TableSnapshot => ({
  rowLabels: Array.from({ length: 100 }, (_, age) => String(age)),
  columnLabels: AREAS,
  cells: Array.from({ length: 100 }, (_, age) => AREAS.map((_a, c) => 200 + ((age * 7 + c * 13) % 50))),
});

/** 5-year bands of the same population, shifted so that some bands overlap the new table's years differently. */
const banded = (shift: number): TableSnapshot => {
  const full = newTable();
  const rowLabels: string[] = [];
  const cells: number[][] = [];
  for (let lo = shift; lo < 100; lo += 5) {
    const hi = Math.min(lo + 4, 99);
    rowLabels.push(`${lo}-${hi}`);
    cells.push(AREAS.map((_a, c) => full.cells.slice(lo, hi + 1).reduce((s, row) => s + (row[c] as number), 0)));
  }
  return { rowLabels, columnLabels: AREAS, cells };
};

const unrelated = (i: number): TableSnapshot => ({
  rowLabels: Array.from({ length: 10 }, (_, r) => `region ${i}-${r}`),
  columnLabels: Array.from({ length: 10 }, (_, c) => `category ${i % 97}-${c}`),
  cells: Array.from({ length: 10 }, (_, r) => Array.from({ length: 10 }, (_c, c) => 10 + ((i + r * 10 + c) % 500))),
});

async function fill(db: Db, domain: string, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += INSERT_BATCH) {
    const rows: unknown[][] = [];
    for (let i = start; i < Math.min(to, start + INSERT_BATCH); i++) {
      const table = i < CANDIDATES ? banded(i % 5) : unrelated(i);
      const k = tableKeys(table);
      rows.push([
        `bench-${i}`,
        domain,
        'bench',
        `req-${i}`,
        'f1',
        1,
        `table-${i}.csv`,
        '0'.repeat(64),
        new Date(0).toISOString(),
        k.rowKey,
        k.columnKey,
        k.rowAxis,
        k.columnAxis,
        JSON.stringify(table),
      ]);
    }
    const columns = [
      'event_id',
      'domain',
      'project_id',
      'request_id',
      'file_id',
      'turn',
      'file_name',
      'sha256',
      'released_at',
      'row_key',
      'column_key',
      'row_axis',
      'column_axis',
      'snapshot',
    ];
    const types = ['text', 'text', 'text', 'text', 'text', 'int', 'text', 'text', 'timestamptz', 'text', 'text', 'text', 'text', 'jsonb'];
    await db.query(
      `INSERT INTO released_tables (${columns.join(', ')}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`,
      columns.map((_c, i) => rows.map((r) => r[i])),
    );
  }
  await db.query('ANALYZE released_tables');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

export async function runDifferencingBench(runs = 21, sizes: readonly number[] = [1_000, 10_000]): Promise<DifferencingBenchResult> {
  const stack = realStack();
  const schema = `bench_differencing_${randomUUID().slice(0, 8)}`;
  const admin = createDb({ url: stack.databaseUrl, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const db = createDb({ url: stack.databaseUrl, max: 2, schema, applicationName: 'bench-differencing' });
  const table = newTable();
  const csv = new TextEncoder().encode(['age,' + AREAS.join(','), ...table.rowLabels.map((l, r) => [l, ...table.cells[r]].join(','))].join('\n') + '\n');
  try {
    await runMigrations(db, releasedTablesMigrations);
    const ledger = new ReleasedTables(db);
    const domain = 'bench';
    const ledgers: DifferencingBenchResult['ledgers'] = [];
    let filled = 0;
    let findings = 0;
    for (const size of sizes) {
      await fill(db, domain, filled, size);
      filled = size;
      const times: number[] = [];
      let candidates = 0;
      let peakHeap = 0;
      global.gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      for (let run = 0; run < runs; run++) {
        const start = performance.now();
        let seen = 0;
        let found = 0;
        for await (const other of ledger.candidates(domain, table, 'new-request')) {
          seen++;
          found += checkDifferencing(table, [other], DEFAULT_POLICY).length;
          peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
        }
        times.push(performance.now() - start);
        candidates = seen;
        findings = found;
      }
      // The share of the database: the same candidates read without comparing them.
      const queryOnly: number[] = [];
      for (let run = 0; run < runs; run++) {
        const start = performance.now();
        for await (const other of ledger.candidates(domain, table, 'new-request')) void other;
        queryOnly.push(performance.now() - start);
      }
      ledgers.push({
        tables: size,
        candidates,
        medianMs: median(times),
        p95Ms: p95(times),
        queryOnlyMedianMs: median(queryOnly),
        heapGrowthBytes: Math.max(0, peakHeap - heapBefore),
        peakRssBytes: process.memoryUsage().rss,
      });
    }
    const single: number[] = [];
    for (let run = 0; run < runs; run++) {
      const start = performance.now();
      await checkFile(
        'ages.csv',
        (async function* () {
          yield csv;
        })(),
        DEFAULT_POLICY,
      );
      single.push(performance.now() - start);
    }
    return { cells: 1000, runs, ledgers, singleTableRules: { medianMs: median(single) }, findings };
  } finally {
    await db.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.close();
  }
}

export function formatDifferencingReport(result: DifferencingBenchResult): string {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const lines = [
    '',
    `Differencing: a new ${result.cells}-cell table against the ledger of released tables (PostgreSQL), ${result.runs} runs`,
    `machine load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`,
    'ledger tables  candidates  median     p95        reading only  heap growth  rss',
    ...result.ledgers.map(
      (l) =>
        `${String(l.tables).padEnd(13)}  ${String(l.candidates).padEnd(10)}  ${`${l.medianMs.toFixed(1)} ms`.padEnd(9)}  ${`${l.p95Ms.toFixed(1)} ms`.padEnd(9)}  ${`${l.queryOnlyMedianMs.toFixed(1)} ms`.padEnd(12)}  ${mib(l.heapGrowthBytes).padEnd(11)}  ${mib(l.peakRssBytes)}`,
    ),
    `single-table rules on the same table (checkFile): median ${result.singleTableRules.medianMs.toFixed(1)} ms`,
    `differencing findings per check: ${result.findings}`,
    '',
  ];
  return lines.join('\n');
}
