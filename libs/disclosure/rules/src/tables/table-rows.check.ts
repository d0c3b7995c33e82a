import type { DisclosurePolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';
import type { Evidence } from '../evidence/evidence';
import { checkMagnitudeTable } from '../evidence/magnitude-table.check';
import { checkFrequencyTable } from '../rules/frequency-table.check';
import { RowLevelDetector } from '../rules/row-level.rule';
import { readFrequencyTable } from './frequency-table.reader';

/**
 * The rules for a table given as rows of text (CSV, TSV, a sheet): row-level data on every row,
 * then the table as counts, or as magnitudes when its evidence is given.
 */
export const checkTableRows = async (
  rows: AsyncIterable<string[]> | Iterable<string[]>,
  policy: DisclosurePolicy,
  evidence: Evidence | null,
): Promise<Finding[]> => {
  const rowLevel = new RowLevelDetector();
  const reading = await readFrequencyTable(observed(rows, rowLevel), policy);
  if (reading.kind === 'unreadable') return [...rowLevel.findings(), reading.finding];
  const tableFindings = evidence === null ? checkFrequencyTable(reading.table, policy) : checkMagnitudeTable(reading.table, evidence, policy);
  return [...rowLevel.findings(), ...tableFindings];
};

async function* observed(rows: AsyncIterable<string[]> | Iterable<string[]>, detector: RowLevelDetector): AsyncGenerator<string[]> {
  for await (const row of rows) {
    detector.observe(row);
    yield row;
  }
}
