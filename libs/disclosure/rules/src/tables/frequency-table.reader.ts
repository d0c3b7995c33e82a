import type { DisclosurePolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';
import type { RawCell } from '../readers/delimited.tokenizer';
import type { BodyCell } from './body-cell.parser';
import type { FrequencyTable } from './frequency-table';
import { readTable, unreadable, type RowBatches, type TableHeader, type TableRow, type TableSink } from './table.reader';

export type TableReading = { kind: 'table'; table: FrequencyTable } | { kind: 'unreadable'; finding: Finding };

/**
 * Reads a whole table into memory, for the rules that need it whole (a magnitude table matched
 * to its evidence). Stops early (bounded memory) past the policy's maxTableCells. Frequency
 * tables do not need this: FrequencyTableScan judges them row by row at any size. `watch` sees
 * every row as read (see readTable).
 */
export const readTableInMemory = async (
  batches: RowBatches,
  policy: Pick<DisclosurePolicy, 'maxTableCells'>,
  watch?: (row: readonly RawCell[]) => void,
): Promise<TableReading> => {
  const collector = new TableCollector(policy.maxTableCells);
  const problem = await readTable(batches, collector, watch);
  return problem === null ? { kind: 'table', table: collector.table() } : { kind: 'unreadable', finding: problem };
};

class TableCollector implements TableSink {
  private shape: TableHeader | null = null;
  private readonly rowLabels: string[] = [];
  private readonly body: BodyCell[][] = [];
  private readonly totalRows = new Set<number>();

  constructor(private readonly maxCells: number) {}

  header(header: TableHeader): void {
    this.shape = header;
  }

  row(row: TableRow): Finding | null {
    this.rowLabels.push(row.label);
    this.body.push([...row.cells]);
    if (row.isTotal) this.totalRows.add(row.index);
    if (this.body.length * row.cells.length > this.maxCells) {
      return unreadable(`The table has more than ${this.maxCells} cells (policy maxTableCells), too many to hold in memory and check automatically.`);
    }
    return null;
  }

  table(): FrequencyTable {
    const shape = this.shape as TableHeader;
    return { columnLabels: [...shape.columnLabels], rowLabels: this.rowLabels, body: this.body, totalRows: this.totalRows, totalColumns: shape.totalColumns };
  }
}
