import { DEFAULT_POLICY, type DisclosurePolicy } from './disclosure.policy';
import type { DetectedType, FileCheckResult, Finding } from './disclosure.types';
import { detectFileType } from './file-type/file-type.detector';
import { detectTextEncoding } from './file-type/text-encoding.detector';
import { ContentSourceError, peekHead } from './readers/byte-stream.head';
import { readCsvRows } from './readers/csv.reader';
import { TableReadError } from './readers/table-read.error';
import { RULES_VERSION } from './rules.version';
import { dofRule, findResidualDof } from './rules/dof.rule';
import { checkFrequencyTable } from './rules/frequency-table.check';
import { RowLevelDetector } from './rules/row-level.rule';
import { readFrequencyTable } from './tables/frequency-table.reader';
import { combineVerdicts } from './verdict.combine';

const HEAD_BYTES = 8192;

/**
 * Checks one file: its true type from the content, then the disclosure rules on tables.
 * Anything about the bytes becomes a finding, never an exception; only a failure of `content`
 * itself is rethrown, so the caller retries rather than recording a verdict (fail closed).
 */
export const checkFile = async (
  fileName: string,
  content: AsyncIterable<Uint8Array>,
  policy: DisclosurePolicy = DEFAULT_POLICY,
): Promise<FileCheckResult> => {
  let fileType: DetectedType = { kind: 'binary', mediaType: 'application/octet-stream' };
  let findings: Finding[];
  const stream = await peekHead(content, HEAD_BYTES).catch(rethrowSourceError);
  try {
    fileType = detectFileType(stream.head, fileName);
    findings = await findingsFor(fileType, stream.head, stream.body, policy);
  } catch (error) {
    if (error instanceof ContentSourceError) rethrowSourceError(error);
    findings = [unreadableFinding(error)];
  } finally {
    await stream.close().catch(() => undefined);
  }
  return { verdict: combineVerdicts(findings), fileType, findings, policy, rulesVersion: RULES_VERSION };
};

const findingsFor = async (
  fileType: DetectedType,
  head: Uint8Array,
  body: AsyncIterable<Uint8Array>,
  policy: DisclosurePolicy,
): Promise<Finding[]> => {
  switch (fileType.kind) {
    case 'csv':
    case 'tsv':
      return checkDelimitedTable(fileType.kind, head, body, policy);
    case 'empty':
      // Nothing in it can disclose, but an empty output is almost always a mistake: a person confirms.
      return [review('The file is empty; a checker should confirm it is meant to leave.')];
    case 'text':
      return [...modelFindings(head, policy), review('Free text cannot be checked automatically; a checker must read it.')];
    case 'pdf':
      return [review('PDF documents cannot be checked automatically; a checker must read the tables and figures in it.')];
    case 'image':
      return [review(`Images (${fileType.mediaType}) cannot be checked automatically; a checker must look at it.`)];
    case 'xlsx':
      return [review('Excel workbooks are not read automatically yet; a checker must review each sheet.')];
    case 'zip':
      return [review('Archives are not opened automatically yet; a checker must review each member.')];
    case 'binary':
      return [review(`Binary content (${fileType.mediaType}) cannot be checked automatically.`)];
  }
};

const checkDelimitedTable = async (
  kind: 'csv' | 'tsv',
  head: Uint8Array,
  body: AsyncIterable<Uint8Array>,
  policy: DisclosurePolicy,
): Promise<Finding[]> => {
  const encoding = detectTextEncoding(head)?.encoding ?? 'utf-8';
  const rowLevel = new RowLevelDetector();
  const rows = observed(readCsvRows(body, { encoding, preferredDelimiter: kind === 'tsv' ? '\t' : ',' }), rowLevel);
  const reading = await readFrequencyTable(rows, policy);
  const tableFindings = reading.kind === 'unreadable' ? [reading.finding] : checkFrequencyTable(reading.table, policy);
  return [...rowLevel.findings(), ...tableFindings];
};

async function* observed(rows: AsyncIterable<string[]>, detector: RowLevelDetector): AsyncGenerator<string[]> {
  for await (const row of rows) {
    detector.observe(row);
    yield row;
  }
}

// Model summaries state their residual DoF near the top, so the head is enough (and bounded).
const modelFindings = (head: Uint8Array, policy: DisclosurePolicy): Finding[] => {
  const encoding = detectTextEncoding(head)?.encoding ?? 'utf-8';
  return dofRule(findResidualDof(new TextDecoder(encoding).decode(head)), policy);
};

const review = (message: string): Finding => ({ rule: 'file-type', verdict: 'review', cells: [], message });

const unreadableFinding = (error: unknown): Finding =>
  error instanceof TableReadError
    ? review(`The file cannot be read as a table: ${error.message}`)
    : // Our own defect must not pass a file: a person looks at it instead.
      review('The file could not be checked automatically because of an internal error in the rules.');

const rethrowSourceError = (error: unknown): never => {
  throw error instanceof ContentSourceError ? error.cause : error;
};
