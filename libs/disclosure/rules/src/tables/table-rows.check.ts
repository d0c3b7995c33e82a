import type { DisclosurePolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';
import type { Evidence } from '../evidence/evidence';
import { checkMagnitudeTable } from '../evidence/magnitude-table.check';
import { FrequencyTableScan } from '../rules/frequency-table.scan';
import { RowLevelDetector } from '../rules/row-level.rule';
import { readTableInMemory } from './frequency-table.reader';
import { readTable, type RowBatches } from './table.reader';

/**
 * The rules for a table given as batches of rows of text (CSV, TSV, a sheet): row-level data on every row,
 * then the table as counts (judged row by row, at any size), or as magnitudes when its evidence
 * is given (matched cell by cell in memory, up to maxTableCells).
 */
export const checkTableRows = async (
  rows: RowBatches,
  policy: DisclosurePolicy,
  evidence: Evidence | null,
): Promise<Finding[]> => {
  const rowLevel = new RowLevelDetector();
  const watch = (row: string[]): void => rowLevel.observe(row);
  if (evidence === null) {
    const scan = new FrequencyTableScan(policy);
    const unreadable = await readTable(rows, scan, watch);
    return [...rowLevel.findings(), ...(unreadable === null ? scan.findings() : [unreadable])];
  }
  const reading = await readTableInMemory(rows, policy, watch);
  if (reading.kind === 'unreadable') return [...rowLevel.findings(), reading.finding];
  return [...rowLevel.findings(), ...checkMagnitudeTable(reading.table, evidence, policy)];
};
