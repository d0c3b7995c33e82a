import { annotateAcroBundles, type TrackedFile } from '../acro/acro-bundle';
import { ACRO_RESULTS_CAPTURE_BYTES } from '../acro/acro-results';
import type { DisclosurePolicy } from '../disclosure.policy';
import type { DetectedType, Finding } from '../disclosure.types';
import type { Evidence } from '../evidence/evidence';
import { trackStream } from '../hashing/tracked-stream';
import { checkWorkbookSheets } from '../xlsx/workbook.check';
import { WorkbookCollector } from '../xlsx/workbook.collector';
import { workbookPartRole } from '../xlsx/workbook-part.role';
import { XmlReadError } from '../xlsx/xml.tokenizer';
import { ArchiveError } from './archive.error';
import { ArchiveBudget } from './archive.limits';
import { readZipEntries, type ZipTrailer } from './zip.reader';

type MemberContext = { depth: number; budget: ArchiveBudget | null; evidence: Evidence | null };

export type ArchiveContext = MemberContext & {
  /** Checks a member like a file (injected: members can be archives themselves). */
  checkMember: (
    name: string,
    content: AsyncIterable<Uint8Array>,
    policy: DisclosurePolicy,
    context: MemberContext,
  ) => Promise<{ fileType: DetectedType; findings: Finding[] }>;
};

const CHECKSUM_CAPTURE_BYTES = 1024;
// ACRO outputs are tables and figures; members past this size are not hashed (SHA-256 in
// JavaScript would cost more than every rule), so ACRO cannot vouch for them inside an archive.
const MEMBER_HASH_BYTES = 64 << 20;

/**
 * A zip archive or an xlsx workbook, streamed once: every member is checked like a file (nested
 * archives too, within the shared limits), a workbook's sheets as tables. Findings name the member
 * or sheet they are about. A bomb, encryption or an inconsistent archive ends the reading with an
 * `archive` finding; what was found before it stays.
 */
export const checkArchive = async (
  kind: 'zip' | 'xlsx',
  body: AsyncIterable<Uint8Array>,
  policy: DisclosurePolicy,
  context: ArchiveContext,
): Promise<Finding[]> => {
  const budget = context.budget ?? new ArchiveBudget(policy);
  const workbook = kind === 'xlsx' ? new WorkbookCollector(policy) : null;
  const members: TrackedFile[] = [];
  const findings: Finding[] = [];
  const trailer: ZipTrailer = { entries: 0, comments: 0 };
  try {
    budget.checkDepth(context.depth + 1);
    for await (const entry of readZipEntries(body, budget, trailer)) {
      if (entry.directory) continue;
      if (entry.unsupportedMethod !== null) {
        findings.push(
          archiveFinding('review', `Member "${entry.name}" uses compression method ${entry.unsupportedMethod}, which cannot be read; a checker must open it.`),
        );
        continue;
      }
      const role = workbook === null ? { kind: 'member' as const } : workbookPartRole(entry.name);
      if (role.kind === 'member') {
        members.push(await checkMember(entry.name, entry.content, policy, context, budget));
      } else if (role.kind === 'finding') {
        findings.push(role.finding);
      } else if (workbook !== null && role.kind !== 'ignored') {
        findings.push(...(await readWorkbookPart(workbook, role.kind, entry.name, entry.content)));
      }
    }
    if (trailer.comments > 0)
      findings.push(archiveFinding('review', 'The archive carries comments, free text outside its members that cannot be checked automatically.'));
    if (workbook !== null) findings.push(...(await checkWorkbookSheets(workbook, policy)));
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    findings.push(archiveFinding(error.verdict, error.message));
  }
  return [...dedupe(findings), ...memberFindings(members)];
};

const checkMember = async (
  name: string,
  content: AsyncIterable<Uint8Array>,
  policy: DisclosurePolicy,
  context: ArchiveContext,
  budget: ArchiveBudget,
): Promise<TrackedFile> => {
  // Members are hashed: an ACRO results folder inside the archive may name them only later.
  const captureUpTo = /(^|\/)results\.json$/i.test(name) ? ACRO_RESULTS_CAPTURE_BYTES : /(^|\/)checksums\/[^/]+\.txt$/i.test(name) ? CHECKSUM_CAPTURE_BYTES : 0;
  const tracked = trackStream(content, { hash: true, captureUpTo, hashUpTo: MEMBER_HASH_BYTES });
  const check = await context.checkMember(name, tracked.stream, policy, { depth: context.depth + 1, budget, evidence: null });
  const seen = await tracked.finish();
  return { name, findings: check.findings, ...seen };
};

const readWorkbookPart = async (
  workbook: WorkbookCollector,
  kind: 'workbook' | 'workbook-rels' | 'shared-strings' | 'worksheet',
  name: string,
  content: AsyncIterable<Uint8Array>,
): Promise<Finding[]> => {
  try {
    if (kind === 'workbook') await workbook.readWorkbook(content);
    else if (kind === 'workbook-rels') await workbook.readRelationships(content);
    else if (kind === 'shared-strings') await workbook.readSharedStrings(content);
    else await workbook.readWorksheet(name, content);
    return [];
  } catch (error) {
    if (error instanceof XmlReadError)
      return [{ rule: 'file-type', verdict: 'review', cells: [], message: `Part "${name}" of the workbook cannot be read: ${error.message}` }];
    throw error;
  }
};

/** Member findings, each naming its member; ACRO folders inside the archive are recognised first. */
const memberFindings = (members: TrackedFile[]): Finding[] => {
  const acro = annotateAcroBundles(members);
  const metadata = members.filter((m) => acro.get(m.name)?.role === 'metadata');
  const out: Finding[] = [];
  if (metadata.length > 0) {
    out.push(
      archiveFinding(
        'review',
        `The archive holds ACRO's metadata (${metadata.length} files: results.json, checksums, configuration), which would be released with it; a checker confirms.`,
      ),
      ...metadata.flatMap((m) => inMember(m.name, acro.get(m.name)?.findings ?? [])),
    );
  }
  for (const member of members) {
    const annotation = acro.get(member.name);
    if (annotation?.role === 'metadata') continue;
    out.push(...inMember(member.name, [...member.findings, ...(annotation?.findings ?? [])]));
  }
  return out;
};

/** A member's findings, told apart from the archive's own: the message starts with the member's path. */
export const inMember = (member: string, findings: Finding[]): Finding[] => findings.map((f) => ({ ...f, message: `${member}: ${f.message}` }));

const archiveFinding = (verdict: 'fail' | 'review', message: string): Finding => ({ rule: 'archive', verdict, cells: [], message });

// Workbook parts of one kind (several chart parts, say) give one finding, not one each.
const dedupe = (findings: Finding[]): Finding[] => {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}|${f.verdict}|${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};
