import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

// The checkers' table viewer (libs/platform/web/src/assets/table-viewer.mjs) in headless
// Chromium on a 1,000,000-cell table: time from navigation to the first painted grid cell, and
// time for N to move focus to the next flagged cell. Served by a small local server with the
// viewer's own files, so the numbers are the browser's and the script's, not the service's.

const CHROMIUM = '/usr/bin/chromium';
const CLIENT = path.join(__dirname, '..', '..', 'libs', 'platform', 'web', 'src', 'assets');

export type GridBench = { cells: number; firstPaintMs: number; domCells: number; jumpMs: { median: number; max: number; runs: number } } | { skipped: string };

function payload(rows: number, columns: number): string {
  const grid: string[][] = [Array.from({ length: columns }, (_, c) => `col${c}`)];
  for (let r = 1; r < rows; r++) grid.push(Array.from({ length: columns }, (_, c) => String((r * 7 + c * 13) % 997)));
  const marks: [number, number, number[]][] = [];
  for (let r = 500; r < rows; r += 500) marks.push([r, r % columns, [0]]);
  return JSON.stringify({
    rows: grid,
    header: 0,
    columns,
    marks,
    findings: [
      {
        index: 0,
        rule: 'threshold',
        verdict: 'fail',
        message: 'cells under 10',
        parameters: { threshold: '10' },
        cellCount: marks.length,
        located: marks.length,
      },
    ],
    stats: Array.from({ length: columns }, (_, column) => ({ column, count: 0, sum: 0, minNonZero: null, divisibleBy5: 0, divisibleBy10: 0 })),
    truncated: false,
  });
}

const PAGE = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Grid bench</title><link rel="stylesheet" href="/workbench.css"></head>
<body><main><div id="grid" data-table-viewer data-grid-src="/grid.json" data-grid-label="bench"></div></main>
<script type="module" src="/table-viewer.mjs"></script></body></html>`;

export async function runGridBench(rows = 100_000, columns = 10, jumps = 20): Promise<GridBench> {
  if (!existsSync(CHROMIUM)) return { skipped: `${CHROMIUM} is absent` };
  const { chromium } = await import('playwright-core');
  const body = payload(rows, columns);
  const files: Record<string, [string, string]> = {
    '/': ['text/html', PAGE],
    '/grid.json': ['application/json', body],
    '/workbench.css': ['text/css', readFileSync(path.join(CLIENT, 'workbench.css'), 'utf8')],
    '/table-viewer.mjs': ['text/javascript', readFileSync(path.join(CLIENT, 'table-viewer.mjs'), 'utf8')],
  };
  const server = createServer((request, response) => {
    const file = files[request.url ?? '/'];
    if (!file) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': file[0] }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForSelector('[data-ready="true"] [role="gridcell"]', { timeout: 120_000 });
    // Navigation start to now, measured by the page's own clock once the first cell is in the DOM.
    const firstPaintMs = await page.evaluate('performance.now()');
    const domCells = await page.locator('[role="gridcell"]').count();
    await page.locator('[role="gridcell"][tabindex="0"]').focus();
    const times: number[] = [];
    for (let i = 0; i < jumps; i++) {
      const before = await page.evaluate('document.activeElement.id');
      const started = performance.now();
      await page.keyboard.press('n');
      await page.waitForFunction(`document.activeElement && document.activeElement.id !== ${JSON.stringify(before)}`);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return {
      cells: rows * columns,
      firstPaintMs: Number(firstPaintMs),
      domCells,
      jumpMs: { median: times[Math.floor(times.length / 2)], max: times[times.length - 1], runs: times.length },
    };
  } finally {
    await browser.close();
    server.close();
  }
}

export function formatGridReport(result: GridBench): string {
  if ('skipped' in result) return `\nworkbench grid: skipped (${result.skipped})\n`;
  return [
    '',
    `workbench grid, ${result.cells.toLocaleString('en')} cells in headless Chromium`,
    `  first grid cell painted   ${result.firstPaintMs.toFixed(0)} ms after navigation (${result.domCells} cells in the DOM)`,
    `  N to the next finding     median ${result.jumpMs.median.toFixed(1)} ms, max ${result.jumpMs.max.toFixed(1)} ms over ${result.jumpMs.runs} jumps (round trip through the test driver)`,
    '',
  ].join('\n');
}
