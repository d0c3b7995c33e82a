import type { DisclosurePolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';
import type { FrequencyTable } from '../tables/frequency-table';
import { tableHeader, type TableHeader, type TableRow, type TableSink } from '../tables/table.reader';
import { ClassDisclosureTally } from './class-disclosure.tally';
import { SuppressionLedger } from './suppression.ledger';
import { ThresholdTally } from './threshold.tally';

type Rules = { threshold: ThresholdTally; classDisclosure: ClassDisclosureTally; suppression: SuppressionLedger };

/**
 * Every rule that can judge a published frequency table on its own, fed one row at a time:
 * memory grows with the columns and with the cells that fail or are suppressed, never with the
 * rows, so a table of any length is judged whole.
 */
export class FrequencyTableScan implements TableSink {
  private rules: Rules | null = null;
  private cells = 0;

  constructor(private readonly policy: DisclosurePolicy) {}

  header(header: TableHeader): void {
    this.rules = {
      threshold: new ThresholdTally(this.policy, header),
      classDisclosure: new ClassDisclosureTally(this.policy, header),
      suppression: new SuppressionLedger(header),
    };
  }

  row(row: TableRow): null {
    const rules = this.rules as Rules;
    rules.threshold.row(row);
    rules.classDisclosure.row(row);
    rules.suppression.row(row);
    this.cells += row.cells.length;
    return null;
  }

  /** The body cells every rule has judged so far. */
  get cellsJudged(): number {
    return this.cells;
  }

  findings(): Finding[] {
    if (this.rules === null) return [];
    return [...this.rules.threshold.findings(), ...this.rules.classDisclosure.findings(), ...this.rules.suppression.findings()];
  }
}

/** The frequency rules on a table already in memory. */
export const checkFrequencyTable = (table: FrequencyTable, policy: DisclosurePolicy): Finding[] => {
  const scan = new FrequencyTableScan(policy);
  replay(table, scan);
  return scan.findings();
};

/** Secondary suppression alone (a sum table with its evidence must protect its suppressed cells too). */
export const secondarySuppressionRule = (table: FrequencyTable): Finding[] => {
  const header = headerOfTable(table);
  const ledger = new SuppressionLedger(header);
  replay(table, { header: () => undefined, row: (row) => (ledger.row(row), null) }, header);
  return ledger.findings();
};

const headerOfTable = (table: FrequencyTable): TableHeader => tableHeader(table.columnLabels, table.totalColumns);

const replay = (table: FrequencyTable, sink: TableSink, header = headerOfTable(table)): void => {
  sink.header(header);
  table.body.forEach((cells, index) => sink.row({ index, label: table.rowLabels[index], isTotal: table.totalRows.has(index), cells }));
};
