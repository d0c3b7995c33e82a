import type { CellRef, Finding, RuleName, Verdict } from '../disclosure.types';
import { parseAcroResults, type AcroOutput } from './acro-results';

/** A file of a set being checked, with what was seen of its bytes. */
export type TrackedFile = { name: string; findings: Finding[]; sha256: string | null; captured: Uint8Array | null };

/** What ACRO said about an output, carried over unchanged for the checker. */
export type AcroCarried = {
  outputId: string;
  status: string;
  type: string;
  command: string;
  summary: string;
  comments: string[];
  exception: string;
  timestamp: string;
};

/** How an ACRO results folder changes the judgement of one of its files. */
export type AcroAnnotation = { role: 'metadata'; note: string; findings: Finding[] } | { role: 'output'; findings: Finding[]; acro: AcroCarried };

// ACRO's check names, 0.4 and 1.x, mapped to our rules.
const ACRO_RULES: Record<string, RuleName> = {
  threshold: 'threshold',
  MinimumThresholdCheck: 'threshold',
  PresenceOfZeroCheck: 'threshold',
  RequiredZeroCheck: 'threshold',
  'p-ratio': 'p-ratio',
  PPercentCheck: 'p-ratio',
  'nk-rule': 'nk-dominance',
  NKCheck: 'nk-dominance',
  'all-values-are-same': 'all-same',
  AllSameValuesCheck: 'all-same',
  negative: 'negative',
  missing: 'missing',
  MissingCheck: 'missing',
  dof: 'dof',
  MinimumDoFCheck: 'dof',
};

const CHECKSUM = /^[0-9a-f]{64}$/i;
const dirOf = (name: string): string => (name.includes('/') ? name.slice(0, name.lastIndexOf('/') + 1) : '');
const baseName = (name: string): string => name.slice(name.lastIndexOf('/') + 1);

/**
 * Finds ACRO results folders among the files (a results.json in ACRO's format) and annotates
 * their files: checksums verified, ACRO's statuses, comments and exception requests carried over,
 * ACRO's own metadata marked as such. Our re-check of each table stands; ACRO can only add to it.
 */
export const annotateAcroBundles = (files: readonly TrackedFile[]): Map<string, AcroAnnotation> => {
  const annotations = new Map<string, AcroAnnotation>();
  for (const resultsFile of files.filter((f) => baseName(f.name) === 'results.json' && f.captured !== null)) {
    const results = parseAcroResults(resultsFile.captured as Uint8Array);
    if (results === null) continue;
    const dir = dirOf(resultsFile.name);
    const inFolder = new Map(files.filter((f) => f.name.startsWith(dir)).map((f) => [f.name.slice(dir.length), f]));
    // ACRO keeps checksums in checksums/<file>.txt. A folder uploaded file by file (one group of a
    // request, where names hold no slashes) has them as checksums__<file>.txt (the airlock CLI's
    // flattening of sub-folders) or beside the files as <file>.txt.
    const checksumFileOf = (name: string): TrackedFile | undefined =>
      inFolder.get(`checksums/${name}.txt`) ?? inFolder.get(`checksums__${name}.txt`) ?? inFolder.get(`${name}.txt`);
    const checksumOf = (name: string): string | null => {
      const bytes = checksumFileOf(name)?.captured;
      const value = bytes ? new TextDecoder().decode(bytes).trim() : '';
      return CHECKSUM.test(value) ? value.toLowerCase() : null;
    };
    const listed = new Set(['results.json', ...results.outputs.flatMap((output) => output.files.map((file) => file.name))]);
    const missing: string[] = [];
    for (const output of results.outputs) {
      for (const file of output.files) {
        const target = inFolder.get(file.name);
        if (target === undefined) missing.push(file.name);
        else annotations.set(target.name, { role: 'output', findings: outputFindings(output, file, target, checksumOf(file.name)), acro: carried(output) });
      }
    }
    const metadataFindings: Finding[] = [];
    if (missing.length > 0) {
      metadataFindings.push(
        finding(
          'archive',
          'review',
          `ACRO lists ${missing.length} file${missing.length === 1 ? '' : 's'} that ${missing.length === 1 ? 'is' : 'are'} not in the folder: ${missing.slice(0, 5).join(', ')}`,
        ),
      );
    }
    const ownChecksum = checksumOf('results.json');
    if (ownChecksum !== null && resultsFile.sha256 !== null && ownChecksum !== resultsFile.sha256) {
      metadataFindings.push(finding('archive', 'fail', "results.json does not match ACRO's checksum: ACRO's statuses were changed after ACRO wrote them."));
    }
    annotations.set(resultsFile.name, {
      role: 'metadata',
      note: `ACRO results (version ${results.version}) for ${results.outputs.length} outputs`,
      findings: metadataFindings,
    });
    for (const [relative, file] of inFolder) {
      if (relative === 'config.json') annotations.set(file.name, { role: 'metadata', note: 'ACRO configuration', findings: [] });
      const checked = /^checksums(?:\/|__)(.+)\.txt$/.exec(relative) ?? /^(.+)\.txt$/.exec(relative);
      const of = checked?.[1];
      if (of !== undefined && listed.has(of) && !annotations.has(file.name) && checksumFileOf(of) === file && checksumOf(of) !== null) {
        annotations.set(file.name, { role: 'metadata', note: `ACRO checksum of ${of}`, findings: [] });
      }
    }
  }
  return annotations;
};

const outputFindings = (output: AcroOutput, file: AcroOutput['files'][number], target: TrackedFile, checksum: string | null): Finding[] => {
  const findings: Finding[] = [];
  if (checksum === null) {
    findings.push(finding('archive', 'review', `ACRO's checksum for this file is missing, so it cannot be shown to be the file ACRO checked (${output.uid}).`));
  } else if (target.sha256 === null) {
    findings.push(
      finding(
        'archive',
        'review',
        `The file is too large to verify against ACRO's checksum here, so it cannot be shown to be the file ACRO checked (${output.uid}).`,
      ),
    );
  } else if (target.sha256 !== checksum) {
    findings.push(
      finding(
        'archive',
        'fail',
        `The file does not match ACRO's checksum: it changed after ACRO checked it, so ACRO's results for ${output.uid} do not apply.`,
      ),
    );
  }
  return [...findings, ...dropCovered(carriedFindings(output, file), target.findings)];
};

/** ACRO's failing checks, with the cells ACRO flagged (0-based body positions, as ours). */
const carriedFindings = (output: AcroOutput, file: AcroOutput['files'][number]): Finding[] => {
  const status = asVerdict(output.status);
  if (status === 'pass') return [];
  const findings: Finding[] = [];
  const cells = file.sdc.cells ?? {};
  for (const [check, positions] of Object.entries(cells)) {
    const refs = Array.isArray(positions) ? positions.flatMap(toCellRef) : [];
    if (refs.length === 0) continue;
    const verdict = asVerdict(output.checkStatus[check] ?? output.status);
    if (verdict === 'pass') continue;
    const rule = ACRO_RULES[check] ?? 'file-type';
    findings.push(finding(rule, verdict, `ACRO ${output.uid}: ${check} flagged ${refs.length} cell${refs.length === 1 ? '' : 's'}`, refs));
  }
  if (findings.length === 0) {
    const rule: RuleName = output.type === 'regression' ? 'dof' : 'file-type';
    findings.push(finding(rule, status, `ACRO ${output.uid} (${output.type || 'output'}): status ${status}`));
  }
  return findings;
};

/** Our own finding of the same rule on the same cells already says it: do not repeat ACRO's. */
const dropCovered = (carried: Finding[], ours: Finding[]): Finding[] =>
  carried.filter((c) => {
    const covering = ours.filter((o) => o.rule === c.rule && (o.verdict === 'fail' || o.verdict === c.verdict));
    const cells = new Set(covering.flatMap((o) => o.cells.map((cell) => `${cell.row},${cell.column}`)));
    return c.cells.length === 0 ? covering.length === 0 : !c.cells.every((cell) => cells.has(`${cell.row},${cell.column}`));
  });

const toCellRef = (position: unknown): CellRef[] =>
  Array.isArray(position) && Number.isInteger(position[0]) && Number.isInteger(position[1]) ? [{ row: position[0], column: position[1] }] : [];

// ACRO writes pass, fail, review (and "Review" in places); anything else is not a pass.
const asVerdict = (status: string): Verdict => (status === 'pass' ? 'pass' : status === 'fail' ? 'fail' : 'review');

const carried = (output: AcroOutput): AcroCarried => ({
  outputId: output.uid,
  status: output.status,
  type: output.type,
  command: output.command,
  summary: output.summary,
  comments: output.comments,
  exception: output.exception,
  timestamp: output.timestamp,
});

const finding = (rule: RuleName, verdict: Verdict, message: string, cells: CellRef[] = []): Finding => ({ rule, verdict, cells, message });
