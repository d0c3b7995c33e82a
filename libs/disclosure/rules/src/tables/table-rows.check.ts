import type { DisclosurePolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';
import type { Evidence } from '../evidence/evidence';
import { checkMagnitudeTable } from '../evidence/magnitude-table.check';
import { MagnitudeHintDetector } from '../magnitude/magnitude-hint.detector';
import { FrequencyTableScan } from '../rules/frequency-table.scan';
import { FormulaCellDetector } from '../rules/formula-cell.rule';
import { RoundingDetector } from '../rules/rounding.rule';
import type { RawCell } from '../readers/delimited.tokenizer';
import { RowLevelDetector } from '../rules/row-level.rule';
import { readTableInMemory } from './frequency-table.reader';
import { readTable, type RowBatches } from './table.reader';

/** The findings on a table, and how many of its body cells every frequency rule judged (0 when it was not read as counts). */
export type TableCheck = { findings: Finding[]; cellsJudged: number };

/**
 * The rules for a table given as batches of rows of text (CSV, TSV, a sheet): row-level data on every row,
 * then the table as counts (judged row by row, at any size), or as magnitudes when its evidence
 * is given (matched cell by cell in memory, up to maxTableCells).
 */
export const checkTableRows = async (
  rows: RowBatches,
  policy: DisclosurePolicy,
  evidence: Evidence | null,
  format: 'delimited' | 'sheet' = 'sheet',
  /** The evidence file a magnitude table would need (named in the review when none is given). */
  evidenceName = 'X.evidence.csv',
): Promise<TableCheck> => {
  const rowLevel = new RowLevelDetector();
  // A sheet's text cells stay text when opened; CSV and TSV cells are parsed as formulas.
  const formulas = format === 'delimited' ? new FormulaCellDetector() : null;
  const watch = (row: readonly RawCell[]): void => {
    rowLevel.observe(row);
    formulas?.observe(row);
  };
  const watched = (): Finding[] => [...rowLevel.findings(), ...(formulas?.findings() ?? [])];
  if (evidence === null) {
    const scan = new FrequencyTableScan(policy);
    const magnitude = new MagnitudeHintDetector();
    const rounding = new RoundingDetector(policy.rounding ?? 'none');
    const unreadable = await readTable(rows, scan, (row) => (watch(row), magnitude.observe(row), rounding.observe(row)));
    return {
      findings: [...watched(), ...(unreadable === null ? [...scan.findings(), ...rounding.findings(), ...magnitude.findings(evidenceName)] : [unreadable])],
      cellsJudged: unreadable === null ? scan.cellsJudged : 0,
    };
  }
  const reading = await readTableInMemory(rows, policy, watch);
  if (reading.kind === 'unreadable') return { findings: [...watched(), reading.finding], cellsJudged: 0 };
  return { findings: [...watched(), ...checkMagnitudeTable(reading.table, evidence, policy)], cellsJudged: 0 };
};
