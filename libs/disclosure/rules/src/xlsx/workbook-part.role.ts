import type { Finding } from '../disclosure.types';

/** What a zip entry of an OOXML workbook is, and what we do with it. */
export type WorkbookPartRole =
  { kind: 'workbook' | 'workbook-rels' | 'shared-strings' | 'worksheet' | 'ignored' | 'member' } | { kind: 'finding'; finding: Finding };

const note = (rule: Finding['rule'], verdict: Finding['verdict'], message: string): WorkbookPartRole => ({
  kind: 'finding',
  finding: { rule, verdict, cells: [], message },
});

// Parts that leave with the workbook although no sheet shows them. Pivot caches keep a copy of
// the pivot table's source rows (often microdata); charts and external links cache cell values.
const RULES: [RegExp, WorkbookPartRole][] = [
  [/^xl\/workbook\.xml$/i, { kind: 'workbook' }],
  [/^xl\/_rels\/workbook\.xml\.rels$/i, { kind: 'workbook-rels' }],
  [/^xl\/sharedStrings\.xml$/i, { kind: 'shared-strings' }],
  [/^xl\/worksheets\/[^/]+\.xml$/i, { kind: 'worksheet' }],
  [
    /^xl\/pivotCache\/pivotCacheRecords[^/]*\.xml$/i,
    note('row-level', 'fail', 'The workbook holds a pivot cache: pivot tables keep a copy of their source rows inside the file, usually row-level data.'),
  ],
  [
    /^xl\/(charts|chartsheets)\//i,
    note('file-type', 'review', 'The workbook holds charts, which keep cached copies of the values they plot; a checker must look at them.'),
  ],
  [
    /^xl\/externalLinks\//i,
    note('file-type', 'review', 'The workbook links to other workbooks and keeps cached values from them; a checker must look at them.'),
  ],
  [
    /^xl\/(comments|threadedComments)[^/]*(\/|\.xml$)/i,
    note('file-type', 'review', 'The workbook holds cell comments, free text that cannot be checked automatically.'),
  ],
  [/^xl\/(media|drawings)\//i, note('file-type', 'review', 'The workbook holds drawings or images, which cannot be checked automatically.')],
  [/^xl\/vbaProject\.bin$/i, note('file-type', 'review', 'The workbook holds macros (VBA), which cannot be checked automatically.')],
  [/^xl\/embeddings\//i, { kind: 'member' }],
  [
    /^(\[Content_Types\]\.xml|_rels\/\.rels|docProps\/.*|customXml\/.*|xl\/(styles|calcChain|connections|metadata)\.xml|xl\/(theme|printerSettings|tables|queryTables|pivotTables|persons|richData|_rels|worksheets\/_rels|chartsheets\/_rels|pivotCache)\/.*)$/i,
    { kind: 'ignored' },
  ],
];

/** Any entry we do not know is checked like an archive member: it leaves with the workbook. */
export const workbookPartRole = (path: string): WorkbookPartRole => RULES.find(([pattern]) => pattern.test(path))?.[1] ?? { kind: 'member' };
