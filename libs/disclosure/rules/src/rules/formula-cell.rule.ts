import type { Finding } from '../disclosure.types';
import { findingFor } from '../finding.text';
import { cellText, type RawCell } from '../readers/delimited.tokenizer';
import { parseBodyCell } from '../tables/body-cell.parser';
import { CellList } from '../tables/cell-list';
import { isBlankCell } from '../tables/table.reader';

const isBlank = (row: readonly RawCell[]): boolean => row.every(isBlankCell);

// OWASP's formula starts (see body-cell.parser's FORMULA_START): = + - @
const startsFormula = (text: string): boolean => {
  const c = text.charCodeAt(0);
  return c === 0x3d || c === 0x2b || c === 0x2d || c === 0x40;
};

// A formula by the same reading as a body cell: numbers (-5, +1.2e3) and marks (-) are not. A
// label that starts with none of = + - @, trimmed or not, is no formula: most labels are read
// without the body cell's regular expressions (this runs once per row).
const isFormula = (raw: RawCell): boolean => {
  if (typeof raw === 'number' || !(startsFormula(raw) || startsFormula(raw.trim()))) return false;
  const cell = parseBodyCell(raw);
  return typeof cell === 'object' && cell.kind === 'text' && cell.formula;
};

/**
 * CSV injection (OWASP): a spreadsheet that opens a CSV or TSV runs a cell starting with `=`, `+`,
 * `-` or `@` as a formula (`=cmd|' /C calc'!A0` starts a program on the recipient's machine). Body
 * cells that are formulas already send the table to review (they are not counts); this watches the
 * labels, the column labels and the row labels, where a table of safe counts could otherwise carry
 * a payload out. Streaming, bounded memory: it counts every such label and keeps the first few.
 */
export class FormulaCellDetector {
  private header: readonly RawCell[] | null = null;
  private headerFormulas = 0;
  private bodyRows = 0;
  private readonly cells = new CellList();

  observe(row: readonly RawCell[]): void {
    if (isBlank(row)) return;
    if (this.header === null) {
      this.header = row;
      this.headerFormulas = row.filter(isFormula).length;
      return;
    }
    const index = this.bodyRows++;
    if (row.length > 0 && isFormula(row[0])) this.cells.add(index, 0, cellText(row[0]).trim(), cellText(this.header[0] ?? '').trim());
  }

  findings(): Finding[] {
    const count = this.cells.count + this.headerFormulas;
    const inHeader = this.headerFormulas > 0 ? ` (${this.headerFormulas} of them column labels)` : '';
    const message = `${count} label${count === 1 ? ' has' : 's have'} text starting with =, +, - or @${inHeader}, which a spreadsheet opening the file runs as a formula (CSV injection); a checker must look at them, or the researcher prefixes them with a quote.`;
    return findingFor('formula', 'review', this.cells.listed, message, count);
  }
}
