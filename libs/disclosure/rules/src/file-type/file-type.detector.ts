import type { DetectedKind, DetectedType } from '../disclosure.types';
import { DelimitedTokenizer } from '../readers/delimited.tokenizer';
import { DELIMITERS, type Delimiter } from '../readers/delimiter.detector';
import { matchesSignature, SIGNATURES, startsWith, ZIP_EMPTY, ZIP_LOCAL_FILE, ZIP_SPANNED } from './magic-bytes';
import { detectTextEncoding } from './text-encoding.detector';

export const MEDIA_TYPES = {
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  text: 'text/plain',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  zip: 'application/zip',
  binary: 'application/octet-stream',
  empty: 'application/x-empty',
} as const;

/**
 * The true type of a file from its first bytes (a few KiB is enough). The name is trusted only
 * to break ties between csv, tsv and text when the content could be any of them.
 */
export const detectFileType = (head: Uint8Array, fileName: string): DetectedType => {
  if (head.length === 0) return { kind: 'empty', mediaType: MEDIA_TYPES.empty };
  const signature = SIGNATURES.find((s) => matchesSignature(head, s));
  if (signature) return signature.type;
  if (startsWith(head, ZIP_LOCAL_FILE) || startsWith(head, ZIP_EMPTY) || startsWith(head, ZIP_SPANNED)) {
    return isXlsx(head, fileName) ? textType('xlsx') : textType('zip');
  }
  const encoding = detectTextEncoding(head);
  if (encoding === null) return textType('binary');
  const text = new TextDecoder(encoding.encoding).decode(head);
  if (/^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/i.test(text)) return { kind: 'image', mediaType: 'image/svg+xml' };
  return textType(tabularKind(text, kindFromName(fileName)));
};

const textType = (kind: keyof typeof MEDIA_TYPES): DetectedType => ({ kind, mediaType: MEDIA_TYPES[kind] });

// An OOXML workbook is a zip whose parts live under xl/; the head usually shows the first part names.
const isXlsx = (head: Uint8Array, fileName: string): boolean => {
  const names = new TextDecoder('latin1').decode(head);
  if (names.includes('xl/')) return true;
  return names.includes('[Content_Types].xml') && /\.xlsx$/i.test(fileName);
};

type TextualKind = Extract<DetectedKind, 'csv' | 'tsv' | 'text'>;

const kindFromName = (fileName: string): TextualKind => {
  if (/\.csv$/i.test(fileName)) return 'csv';
  if (/\.(tsv|tab)$/i.test(fileName)) return 'tsv';
  return 'text';
};

const kindOfDelimiter = (d: Delimiter): TextualKind => (d === '\t' ? 'tsv' : 'csv');

/**
 * Content decides when it is clearly tabular: at least two rows, each with the same number of
 * delimiters. Otherwise the name decides between csv, tsv and text.
 */
const tabularKind = (text: string, byName: TextualKind): TextualKind => {
  const consistent = DELIMITERS.filter((d) => consistentFieldCount(text, d));
  const kinds = [...new Set(consistent.map(kindOfDelimiter))];
  if (kinds.length === 1) return kinds[0];
  if (kinds.length > 1) return kinds.includes(byName) ? byName : kinds[0];
  return byName;
};

const consistentFieldCount = (text: string, delimiter: Delimiter): boolean => {
  try {
    // The last line of the head may be cut short, so only complete rows count.
    const rows = new DelimitedTokenizer(delimiter).push(text).slice(0, 20);
    return rows.length >= 2 && rows[0].length > 1 && rows.every((r) => r.length === rows[0].length);
  } catch {
    return false;
  }
};
