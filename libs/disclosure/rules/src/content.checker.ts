import type { ArchiveBudget } from './archive/archive.limits';
import { checkArchive } from './archive/archive.checker';
import type { DisclosurePolicy } from './disclosure.policy';
import type { DetectedType, Finding } from './disclosure.types';
import { isEvidenceName, tableBase, type Evidence } from './evidence/evidence';
import { readEvidence } from './evidence/evidence.reader';
import { detectFileType } from './file-type/file-type.detector';
import { carriesZipArchive } from './file-type/polyglot.detector';
import { detectTextEncoding } from './file-type/text-encoding.detector';
import { ContentSourceError, peekHead } from './readers/byte-stream.head';
import { readCsvCellBatches, readCsvRows } from './readers/csv.reader';
import { TableReadError } from './readers/table-read.error';
import { dofRule, findResidualDof } from './rules/dof.rule';
import { checkTableRows } from './tables/table-rows.check';
import { batchesOf } from './tables/table.reader';
import { XmlReadError } from './xlsx/xml.tokenizer';

const HEAD_BYTES = 8192;

/** Where the content sits: a file (depth 0) or a member of archives, and what belongs beside it. */
export type ContentContext = {
  depth: number;
  /** Shared by every archive inside one top-level file. */
  budget: ArchiveBudget | null;
  /** The evidence file beside a magnitude table. */
  evidence: Evidence | null;
  /** A file named as evidence, to be read as evidence when its header says so. */
  asEvidence?: boolean;
};

/** The file's type and findings; `evidence` when the file was read as an evidence file. */
export type ContentCheck = { fileType: DetectedType; findings: Finding[]; evidence?: Evidence; cellsJudged?: number };

type Judged = { findings: Finding[]; evidence?: Evidence; cellsJudged?: number };

export const TOP_LEVEL: ContentContext = Object.freeze({ depth: 0, budget: null, evidence: null });

/**
 * Checks one stream of bytes: its true type from the content, then the rules for that type.
 * Anything about the bytes becomes a finding. A failure of the byte source arrives wrapped in
 * ContentSourceError; one level of wrapping is removed here, so a member's source failure
 * surfaces in its archive (a bomb, a bad CRC) and a file's source failure reaches the caller.
 */
export const checkContent = async (
  name: string,
  content: AsyncIterable<Uint8Array>,
  policy: DisclosurePolicy,
  context: ContentContext,
): Promise<ContentCheck> => {
  let fileType: DetectedType = { kind: 'binary', mediaType: 'application/octet-stream' };
  let judged: Judged;
  const stream = await peekHead(content, HEAD_BYTES).catch(unwrapSourceError);
  try {
    fileType = detectFileType(stream.head, name);
    judged = await judge(name, fileType, stream.head, stream.body, policy, context);
  } catch (error) {
    if (error instanceof ContentSourceError) unwrapSourceError(error);
    judged = { findings: [unreadableFinding(error)] };
  } finally {
    await stream.close().catch(() => undefined);
  }
  return { fileType, ...judged };
};

const judge = async (
  name: string,
  fileType: DetectedType,
  head: Uint8Array,
  body: AsyncIterable<Uint8Array>,
  policy: DisclosurePolicy,
  context: ContentContext,
): Promise<Judged> => {
  switch (fileType.kind) {
    case 'csv':
    case 'tsv':
      return checkDelimitedTable(name, fileType.kind, head, body, policy, context);
    case 'empty':
      // Nothing in it can disclose, but an empty output is almost always a mistake: a person confirms.
      return only(review('The file is empty; a checker should confirm it is meant to leave.'));
    case 'text':
      return { findings: [...modelFindings(head, policy), review('Free text cannot be checked automatically; a checker must read it.')] };
    case 'pdf':
      return withPolyglot(body, review('PDF documents cannot be checked automatically; a checker must read the tables and figures in it.'));
    case 'image':
      return withPolyglot(body, review(`Images (${fileType.mediaType}) cannot be checked automatically; a checker must look at it.`));
    case 'xlsx':
    case 'zip':
      return { findings: await checkArchive(fileType.kind, body, policy, { ...context, checkMember: checkContent }) };
    case 'binary':
      return only(review(`Binary content (${fileType.mediaType}) cannot be checked automatically.`));
  }
};

const only = (finding: Finding): Judged => ({ findings: [finding] });

// A checker reads a document or looks at an image; a zip hidden in the same bytes would leave unread.
const POLYGLOT: Finding = {
  rule: 'archive',
  verdict: 'fail',
  cells: [],
  message: 'The file is also a zip archive (a polyglot): opened as an archive it holds files that nobody reading it as a document or image would see.',
};

const withPolyglot = async (body: AsyncIterable<Uint8Array>, finding: Finding): Promise<Judged> => {
  const carries = await carriesZipArchive(body);
  if (carries === null) return { findings: [{ ...finding, message: `${finding.message} It is too large to be checked for a hidden archive.` }] };
  return { findings: carries ? [finding, POLYGLOT] : [finding] };
};

const checkDelimitedTable = async (
  name: string,
  kind: 'csv' | 'tsv',
  head: Uint8Array,
  body: AsyncIterable<Uint8Array>,
  policy: DisclosurePolicy,
  context: ContentContext,
): Promise<Judged> => {
  const encoding = detectTextEncoding(head)?.encoding ?? 'utf-8';
  const options = { encoding, preferredDelimiter: kind === 'tsv' ? ('\t' as const) : (',' as const) };
  const evidenceNamed = isEvidenceName(name);
  const evidenceName = `${tableBase(name.split('/').pop() ?? name)}.evidence.csv`;
  if (!(evidenceNamed && (context.asEvidence || context.depth > 0))) {
    return checkTableRows(readCsvCellBatches(body, options), policy, context.evidence, 'delimited', evidenceName);
  }
  const rows = readCsvRows(body, options);
  // The header decides: a file named like evidence without evidence columns is an ordinary table.
  const reading = await readEvidence(rows, policy);
  if (reading.kind === 'not-evidence') return checkTableRows(batchesOf(prepend(reading.header, rows)), policy, null, 'delimited');
  if (context.depth === 0) return { findings: [], evidence: reading.evidence };
  // Evidence holds each cell's largest contributions: inside an archive it would leave with it.
  return {
    findings: [
      {
        rule: 'archive',
        verdict: 'fail',
        cells: [],
        message:
          'An evidence file (the largest contributions of each cell) is inside the archive and would be released with it; submit it beside the table as a supporting file.',
      },
    ],
  };
};

async function* prepend(first: string[] | null, rest: AsyncIterable<string[]>): AsyncGenerator<string[]> {
  if (first !== null) yield first;
  yield* rest;
}

// Model summaries state their residual DoF near the top, so the head is enough (and bounded).
const modelFindings = (head: Uint8Array, policy: DisclosurePolicy): Finding[] => {
  const encoding = detectTextEncoding(head)?.encoding ?? 'utf-8';
  return dofRule(findResidualDof(new TextDecoder(encoding).decode(head)), policy);
};

const review = (message: string): Finding => ({ rule: 'file-type', verdict: 'review', cells: [], message });

const unreadableFinding = (error: unknown): Finding => {
  if (error instanceof TableReadError) return review(`The file cannot be read as a table: ${error.message}`);
  if (error instanceof XmlReadError) return review(`A part of the workbook cannot be read: ${error.message}`);
  // Our own defect must not pass a file: a person looks at it instead.
  return review('The file could not be checked automatically because of an internal error in the rules.');
};

const unwrapSourceError = (error: unknown): never => {
  throw error instanceof ContentSourceError ? error.cause : error;
};
