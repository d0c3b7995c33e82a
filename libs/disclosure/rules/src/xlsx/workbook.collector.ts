import type { DisclosurePolicy } from '../disclosure.policy';
import { XmlReadError, XmlTokenizer, type XmlEvent } from './xml.tokenizer';

/** A cell as stored: its text, or the index of a shared string (resolved when all parts are read). */
type RawCell = string | number;
/**
 * A sheet's cells until the shared strings are known. Each row is one string of cells
 * `<column>\u0001<s|t><index or text>\u0002` (characters XML 1.0 cannot carry), three times
 * smaller than arrays of cells: a sheet of maxTableCells must fit in memory many times over.
 */
type SheetData = { rowIndex: number[]; rowText: string[]; width: number; cells: number; tooLarge: boolean; formulas: string[]; formulaCount: number };

const CELL = '\u0001';
const END = '\u0002';
// Excel's last column is XFD: a reference beyond it is not a cell (and would size a row at will).
const MAX_COLUMNS = 16_384;

export type WorkbookSheet = {
  name: string;
  hidden: boolean;
  tooLarge: boolean;
  /** A1 references of the first formula cells, and how many there are. */
  formulas: string[];
  formulaCount: number;
  rows: () => Iterable<string[]>;
};

const LISTED_FORMULAS = 10;

// Shared strings beyond this many characters are not kept (bounded memory); cells pointing at them read as text.
const MAX_SHARED_STRING_CHARS = 32 << 20;
// Sheets are buffered until the shared strings arrive (zip order is the writer's choice); the body
// of a checkable table is at most maxTableCells, labels add a row and a column.
const extraCells = (policy: Pick<DisclosurePolicy, 'maxTableCells'>): number => Math.min(policy.maxTableCells, 100_000);

/**
 * Collects the parts of an xlsx as they stream past: the sheet list, where each sheet lives, the
 * shared strings and each sheet's cells, then hands out each sheet's rows as text.
 */
export class WorkbookCollector {
  private readonly sheetsByPath = new Map<string, SheetData>();
  private readonly declared: { name: string; hidden: boolean; relId: string }[] = [];
  private readonly targets = new Map<string, string>();
  private readonly strings: string[] = [];
  private stringChars = 0;
  stringsTruncated = false;

  constructor(private readonly policy: Pick<DisclosurePolicy, 'maxTableCells'>) {}

  async readWorkbook(content: AsyncIterable<Uint8Array>): Promise<void> {
    for await (const event of xmlEvents(content)) {
      if (event.kind === 'open' && event.name === 'sheet') {
        const state = event.attributes.state ?? 'visible';
        this.declared.push({ name: event.attributes.name ?? '', hidden: state !== 'visible', relId: event.attributes.id ?? '' });
      }
    }
  }

  async readRelationships(content: AsyncIterable<Uint8Array>): Promise<void> {
    for await (const event of xmlEvents(content)) {
      if (event.kind === 'open' && event.name === 'Relationship' && event.attributes.Id && event.attributes.Target) {
        this.targets.set(event.attributes.Id, resolveTarget(event.attributes.Target));
      }
    }
  }

  async readSharedStrings(content: AsyncIterable<Uint8Array>): Promise<void> {
    let current: string | null = null;
    let inText = false;
    let phonetic = 0;
    for await (const event of xmlEvents(content)) {
      if (event.kind === 'open') {
        if (event.name === 'si') current = '';
        else if (event.name === 'rPh')
          phonetic++; // phonetic guides repeat the text; Excel does not show them
        else if (event.name === 't') inText = phonetic === 0 && !event.selfClosing;
      } else if (event.kind === 'close') {
        if (event.name === 'si' && current !== null) {
          this.addString(current);
          current = null;
        } else if (event.name === 'rPh') phonetic--;
        else if (event.name === 't') inText = false;
      } else if (inText && current !== null) current += event.text;
    }
  }

  async readWorksheet(path: string, content: AsyncIterable<Uint8Array>): Promise<void> {
    const sheet: SheetData = { rowIndex: [], rowText: [], width: 0, cells: 0, tooLarge: false, formulas: [], formulaCount: 0 };
    this.sheetsByPath.set(path, sheet);
    const limit = this.policy.maxTableCells + extraCells(this.policy);
    const cell = { column: 0, type: '', value: '', formula: null as string | null, inline: '' };
    let row: number | null = null; // position of the current row in rowIndex / rowText
    // The current row's cells, joined into one flat string when the row ends: appending to the
    // row's string cell by cell leaves a rope of small pieces, several times its text in memory.
    let rowCells: string[] = [];
    const endRow = (): void => {
      if (row !== null && rowCells.length > 0 && !sheet.tooLarge) sheet.rowText[row] += rowCells.join('');
      rowCells = [];
    };
    let nextRow = 0;
    let nextColumn = 0;
    let field: 'v' | 'f' | 't' | null = null;
    for await (const event of xmlEvents(content)) {
      if (sheet.tooLarge) break; // stop reading: the sheet goes to a person as too large
      if (event.kind === 'open') {
        if (event.name === 'row') {
          endRow();
          const index = event.attributes.r ? Number(event.attributes.r) - 1 : nextRow;
          if (!Number.isInteger(index) || index < 0) throw new XmlReadError('A row of the sheet has an invalid number.');
          row = sheet.rowIndex.length;
          sheet.rowIndex.push(index);
          sheet.rowText.push('');
          nextRow = index + 1;
          nextColumn = 0;
        } else if (event.name === 'c') {
          cell.column = event.attributes.r ? columnIndex(event.attributes.r) : nextColumn;
          if (cell.column < 0 || cell.column >= MAX_COLUMNS) throw new XmlReadError("A cell lies beyond Excel's last column.");
          cell.type = event.attributes.t ?? 'n';
          cell.value = '';
          cell.formula = null;
          cell.inline = '';
          nextColumn = cell.column + 1;
        } else if (event.name === 'v' || event.name === 't') field = event.selfClosing ? null : event.name;
        else if (event.name === 'f') {
          cell.formula ??= '';
          field = event.selfClosing ? null : 'f';
        }
      } else if (event.kind === 'close') {
        if (event.name === 'c' && row !== null) {
          const value = cellValue(cell);
          rowCells.push(
            `${cell.column}${CELL}${typeof value === 'number' ? `s${value}` : `t${value.split(CELL).join('\uFFFD').split(END).join('\uFFFD')}`}${END}`,
          );
          sheet.width = Math.max(sheet.width, cell.column + 1);
          if (cell.formula !== null && sheet.formulaCount++ < LISTED_FORMULAS) sheet.formulas.push(a1(sheet.rowIndex[row], cell.column));
          if (++sheet.cells > limit) {
            sheet.tooLarge = true;
            sheet.rowIndex = [];
            sheet.rowText = [];
          }
        } else if (event.name === 'row') endRow();
        else if (event.name === 'v' || event.name === 'f' || event.name === 't') field = null;
      } else if (field === 'v') cell.value += event.text;
      else if (field === 'f') cell.formula = (cell.formula ?? '') + event.text;
      else if (field === 't') cell.inline += event.text;
    }
    endRow();
  }

  /** The sheets in workbook order (with any worksheet the workbook does not list), their cells as text. */
  sheets(): WorkbookSheet[] {
    const listed = this.declared.map((d) => ({ name: d.name, hidden: d.hidden, path: this.targets.get(d.relId) ?? '' }));
    const known = new Set(listed.map((s) => s.path));
    const unlisted = [...this.sheetsByPath.keys()].filter((p) => !known.has(p)).map((path) => ({ name: path, hidden: true, path }));
    return [...listed, ...unlisted].flatMap(({ name, hidden, path }) => {
      const data = this.sheetsByPath.get(path);
      if (data === undefined) return [];
      return [{ name, hidden, tooLarge: data.tooLarge, formulas: data.formulas, formulaCount: data.formulaCount, rows: () => this.textRows(data) }];
    });
  }

  private *textRows(data: SheetData): Generator<string[]> {
    const order = data.rowIndex.map((index, at) => [index, at]).sort((a, b) => a[0] - b[0]);
    for (const [, at] of order) {
      // A sheet stores no empty trailing cells: every row is as wide as the widest, like a CSV export.
      const out = new Array<string>(data.width).fill('');
      for (const entry of data.rowText[at].split(END)) {
        const sep = entry.indexOf(CELL);
        if (sep < 0) continue;
        const value = entry.slice(sep + 2);
        out[Number(entry.slice(0, sep))] = entry[sep + 1] === 's' ? (this.strings[Number(value)] ?? '[unread text]') : value;
      }
      yield out;
    }
  }

  private addString(text: string): void {
    if (this.stringChars + text.length > MAX_SHARED_STRING_CHARS) {
      this.stringsTruncated = true;
      this.strings.push('[unread text]');
      return;
    }
    this.stringChars += text.length;
    this.strings.push(text);
  }
}

/**
 * A cell's text as a CSV would hold it. A formula is judged by the value Excel cached for it (a
 * total is still a count); without a cached value it keeps its '=' so the rules see a formula.
 */
const cellValue = (cell: { type: string; value: string; formula: string | null; inline: string }): RawCell => {
  if (cell.formula !== null && cell.value.trim() === '') return `=${cell.formula}`;
  switch (cell.type) {
    case 's':
      return /^\d+$/.test(cell.value.trim()) ? Number(cell.value) : '[unread text]';
    case 'inlineStr':
      return cell.inline;
    case 'b':
      return cell.value.trim() === '1' ? 'TRUE' : 'FALSE';
    default:
      return cell.value; // n, str, e (#DIV/0!), d (ISO dates)
  }
};

const a1 = (row: number, column: number): string => {
  let letters = '';
  for (let n = column + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return `${letters}${row + 1}`;
};

/** "BC12" → 54 (0-based). */
const columnIndex = (ref: string): number => {
  let column = 0;
  for (let i = 0; i < ref.length; i++) {
    const code = ref.charCodeAt(i);
    if (code < 65 || code > 90) break;
    column = column * 26 + (code - 64);
  }
  return column - 1;
};

const resolveTarget = (target: string): string => {
  if (target.startsWith('/')) return target.slice(1);
  const parts = ['xl'];
  for (const part of target.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.') parts.push(part);
  }
  return parts.join('/');
};

async function* xmlEvents(content: AsyncIterable<Uint8Array>): AsyncGenerator<XmlEvent> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const tokenizer = new XmlTokenizer();
  const decode = (chunk?: Uint8Array): string => {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch {
      throw new XmlReadError('The part is not UTF-8 text.');
    }
  };
  for await (const chunk of content) yield* tokenizer.push(decode(chunk));
  yield* tokenizer.push(decode());
  yield* tokenizer.end();
}
