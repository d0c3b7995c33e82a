export type { CellRef, DetectedType, FileCheckResult, FileInput, FileKind, FileResult, Finding, RuleName, Verdict } from './disclosure.types';
export { DEFAULT_POLICY, type DisclosurePolicy } from './disclosure.policy';
export { parsePolicy, PolicyError } from './policy.parse';
export { DISCLOSURE_POLICY_FIELDS, disclosurePolicySchema, firstViolation, type PolicyField, type PolicyViolation } from './policy.schema';
export { RULES_VERSION } from './rules.version';
export { combineVerdicts } from './verdict.combine';
export { detectFileType } from './file-type/file-type.detector';
export { detectTextEncoding, type TextEncodingName } from './file-type/text-encoding.detector';
export { peekHead, type PeekedStream } from './readers/byte-stream.head';
export { checkFile } from './file.checker';
export { checkFiles } from './files.checker';
export type { AcroCarried } from './acro/acro-bundle';
export { parseAcroResults, type AcroResults, type AcroOutput } from './acro/acro-results';
export { ACRO_FORMAT_VERSION, toAcroResults, type AcroExport, type AcroExportInput, type AcroExportOutput } from './acro/acro-results.export';
export { EVIDENCE_COLUMNS, OPTIONAL_EVIDENCE_COLUMNS, isEvidenceName } from './evidence/evidence';
export { ArchiveError, type ArchiveErrorCode } from './archive/archive.error';
export { readCsvRowBatches, readCsvRows, type CsvReaderOptions } from './readers/csv.reader';
export { TableReadError, type TableReadErrorCode } from './readers/table-read.error';
export { DEFAULT_READER_LIMITS, type ReaderLimits } from './readers/delimited.tokenizer';
export { checkFrequencyTable, FrequencyTableScan, secondarySuppressionRule } from './rules/frequency-table.scan';
export { MAX_LISTED_CELLS } from './tables/cell-list';
export { dofRule, findResidualDof } from './rules/dof.rule';
export { isValidNhsNumber, RowLevelDetector } from './rules/row-level.rule';
export { readTableInMemory, type TableReading } from './tables/frequency-table.reader';
export { readTable, type TableHeader, type TableRow, type TableSink } from './tables/table.reader';
export type { FrequencyTable } from './tables/frequency-table';
export type { BodyCell } from './tables/body-cell.parser';
export { summarizeContributions, type CellStats, type MagnitudeCell, type MagnitudeStatistic } from './magnitude/cell-stats';
export { checkMagnitudeCells } from './magnitude/magnitude-table.check';
export { pRatioRule, violatesPRatio } from './magnitude/p-ratio.rule';
export { nkDominanceRule, nkVerdict } from './magnitude/nk-dominance.rule';
export { negativeRule } from './magnitude/negative.rule';
export { missingRule } from './magnitude/missing.rule';
export { allSameRule } from './magnitude/all-same.rule';
export { magnitudeThresholdRule } from './magnitude/magnitude-threshold.rule';
export { checkDifferencing, describeOrigin, type DifferencingFinding } from './differencing/differencing.check';
export { formatInterval, normalizeLabel, parseInterval, type Interval, type IntervalAxis } from './differencing/interval.label';
export { readTableSnapshot, readTableSnapshots, type PartSnapshot } from './differencing/snapshot.reader';
export {
  labelKey,
  describePart,
  snapshotOf,
  tableKeys,
  transposed,
  type ComparedTable,
  type SnapshotCell,
  type TableKeys,
  type TableOrigin,
  type TableSnapshot,
} from './differencing/table-snapshot';
export { readWorkbook, sheetPlace, type WorkbookPolicy, type WorkbookReading } from './xlsx/workbook.read';
export type { WorkbookCollector, WorkbookSheet } from './xlsx/workbook.collector';
