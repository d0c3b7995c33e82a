import { buildZip } from './zip.builder';

/** A cell of a test sheet: text (a shared string), a number, or a formula with an optional cached value. */
export type SheetCell = string | number | { formula: string; cached?: string };
export type SheetSpec = { name: string; rows: SheetCell[][]; state?: 'visible' | 'hidden' | 'veryHidden' };

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

const column = (index: number): string => {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
};

/** A sheet as Excel writes it: text as shared-string indexes into `strings`. */
export const sheetXml = (rows: SheetCell[][], strings: string[]): string => {
  const cell = (value: SheetCell, r: number, c: number): string => {
    const ref = `${column(c)}${r + 1}`;
    if (typeof value === 'number') return `<c r="${ref}"><v>${value}</v></c>`;
    if (typeof value === 'object') return `<c r="${ref}"><f>${escape(value.formula)}</f><v>${value.cached ?? ''}</v></c>`;
    if (!strings.includes(value)) strings.push(value);
    return `<c r="${ref}" t="s"><v>${strings.indexOf(value)}</v></c>`;
  };
  const body = rows.map((row, r) => `<row r="${r + 1}">${row.map((v, c) => cell(v, r, c)).join('')}</row>`).join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet ${NS}><sheetData>${body}</sheetData></worksheet>`;
};

/**
 * An Excel-like workbook: sheets first and shared strings after them (Excel's zip order), parts
 * given in `extra` added or replaced as they are (bytes or text).
 */
export const buildWorkbook = (
  sheets: SheetSpec[],
  options: { deflate?: (data: Uint8Array) => Uint8Array; extra?: Record<string, string | Uint8Array> } = {},
): Uint8Array => {
  const strings: string[] = [];
  const sheetParts = Object.fromEntries(sheets.map((s, i) => [`xl/worksheets/sheet${i + 1}.xml`, sheetXml(s.rows, strings)]));
  const parts: Record<string, string | Uint8Array> = {
    '[Content_Types].xml': '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    '_rels/.rels': '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>',
    'xl/workbook.xml': `<workbook ${NS} ${REL_NS}><sheets>${sheets
      .map((s, i) => `<sheet name="${escape(s.name)}" sheetId="${i + 1}"${s.state ? ` state="${s.state}"` : ''} r:id="rId${i + 1}"/>`)
      .join('')}</sheets></workbook>`,
    'xl/_rels/workbook.xml.rels': `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets
      .map(
        (_, i) =>
          `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
      )
      .join('')}</Relationships>`,
    ...sheetParts,
    'xl/sharedStrings.xml': `<sst ${NS} count="${strings.length}" uniqueCount="${strings.length}">${strings.map((s) => `<si><t>${escape(s)}</t></si>`).join('')}</sst>`,
    'xl/styles.xml': `<styleSheet ${NS}/>`,
    ...options.extra,
  };
  return buildZip(
    Object.entries(parts).map(([name, data]) => ({ name, data: typeof data === 'string' ? utf8(data) : data, method: options.deflate ? 'deflate' : 'stored' })),
    options.deflate ? { deflate: options.deflate } : {},
  );
};
