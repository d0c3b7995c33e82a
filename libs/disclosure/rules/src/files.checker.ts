import { annotateAcroBundles, type AcroAnnotation, type TrackedFile } from './acro/acro-bundle';
import { ACRO_RESULTS_CAPTURE_BYTES } from './acro/acro-results';
import { checkContent, type ContentCheck } from './content.checker';
import { DEFAULT_POLICY, type DisclosurePolicy } from './disclosure.policy';
import type { FileInput, FileKind, FileResult, Finding, Verdict } from './disclosure.types';
import { evidenceBase, isEvidenceName, tableBase, type Evidence } from './evidence/evidence';
import { trackStream } from './hashing/tracked-stream';
import { RULES_VERSION } from './rules.version';
import { combineVerdicts } from './verdict.combine';

const CHECKSUM_CAPTURE_BYTES = 1024;

type Checked = { file: FileInput; check: ContentCheck; tracked: TrackedFile };

/**
 * Checks a set of files that belong together (one request, one folder), one result per file in
 * the order given. A table `X.csv` with `X.evidence.csv` beside it is judged as a magnitude table
 * with that evidence; the evidence file itself is supporting material that never leaves. An ACRO
 * results folder (results.json, outputs, checksums/) has its checksums verified and ACRO's
 * statuses, comments and exception requests carried over. Each file is opened once. A failure of
 * a file's source is rethrown (the caller retries), never recorded as a verdict.
 */
export const checkFiles = async (files: readonly FileInput[], policy: DisclosurePolicy = DEFAULT_POLICY): Promise<FileResult[]> => {
  const acroFolders = files.filter((f) => /(^|\/)results\.json$/.test(f.name)).map((f) => f.name.slice(0, -'results.json'.length));
  const inAcroFolder = (name: string): boolean => acroFolders.some((dir) => name.startsWith(dir));
  const checked = new Map<FileInput, Checked>();
  const evidenceByBase = new Map<string, Evidence>();

  const check = async (file: FileInput, evidence: Evidence | null): Promise<Checked> => {
    const hash = inAcroFolder(file.name);
    const captureUpTo = !hash
      ? 0
      : /(^|\/)results\.json$/.test(file.name)
        ? ACRO_RESULTS_CAPTURE_BYTES
        : /\.txt$/.test(file.name)
          ? // checksums/<file>.txt, or <file>.txt beside it in a folder uploaded file by file
            CHECKSUM_CAPTURE_BYTES
          : 0;
    const tracked = trackStream(file.open(), { hash, captureUpTo });
    let result: ContentCheck;
    try {
      result = await checkContent(file.name, tracked.stream, policy, { depth: 0, budget: null, evidence, asEvidence: isEvidenceName(file.name) });
    } catch (error) {
      await tracked.release().catch(() => undefined);
      throw error;
    }
    const seen = hash || captureUpTo > 0 ? await tracked.finish() : (await tracked.release(), { sha256: null, captured: null });
    return { file, check: result, tracked: { name: file.name, findings: result.findings, ...seen } };
  };

  // Evidence first: a magnitude table is judged with its evidence in hand.
  for (const file of files.filter((f) => isEvidenceName(f.name))) {
    const result = await check(file, null);
    checked.set(file, result);
    if (result.check.evidence) evidenceByBase.set(evidenceBase(file.name), result.check.evidence);
  }
  for (const file of files.filter((f) => !checked.has(f))) checked.set(file, await check(file, evidenceByBase.get(tableBase(file.name)) ?? null));

  const acro = annotateAcroBundles([...checked.values()].map((c) => c.tracked));
  // Evidence is read with delimited tables only (a workbook's sheets have no evidence file).
  const tables = files
    .filter((f) => !isEvidenceName(f.name) && evidenceByBase.has(tableBase(f.name)))
    .filter((f) => ['csv', 'tsv'].includes((checked.get(f) as Checked).check.fileType.kind))
    .map((f) => f.name);
  return files.map((file) => {
    const { check: result } = checked.get(file) as Checked;
    if (result.evidence) {
      const pairedWith = tables.filter((t) => tableBase(t) === evidenceBase(file.name));
      return resultOf(file, result, evidenceFindings(file.kind, pairedWith, evidenceBase(file.name)), policy, 'evidence');
    }
    return annotated(file, result, acro.get(file.name), policy);
  });
};

const annotated = (file: FileInput, result: ContentCheck, annotation: AcroAnnotation | undefined, policy: DisclosurePolicy): FileResult => {
  if (annotation === undefined) return resultOf(file, result, result.findings, policy);
  if (annotation.role === 'metadata') {
    // ACRO's own metadata holds no cell values, but comments and commands: a person looks if it is to leave.
    const verdict: Verdict = file.kind === 'output' ? 'review' : 'pass';
    const message = `${annotation.note}: supporting material for output checkers${file.kind === 'output' ? ', submitted as an output' : ', never released'}.`;
    return resultOf(file, result, [{ rule: 'file-type', verdict, cells: [], message }, ...annotation.findings], policy, 'acro-metadata');
  }
  return { ...resultOf(file, result, [...result.findings, ...annotation.findings], policy), acro: annotation.acro };
};

const evidenceFindings = (kind: FileKind | undefined, tables: string[], base: string): Finding[] => {
  const what = 'the number of contributors and the two largest contributions of each cell';
  if (kind === 'output') {
    return [
      {
        rule: 'file-type',
        verdict: 'fail',
        cells: [],
        message: `An evidence file holds ${what} and must never leave: submit it as a supporting file, not an output.`,
      },
    ];
  }
  if (tables.length === 0) {
    return [
      {
        rule: 'file-type',
        verdict: 'review',
        cells: [],
        message: `Evidence (${what}) with no CSV or TSV table named ${base}.* beside it: supporting material for output checkers, never released.`,
      },
    ];
  }
  return [
    {
      rule: 'file-type',
      verdict: 'pass',
      cells: [],
      message: `Evidence for ${tables.join(', ')} (${what}): supporting material for output checkers, never released.`,
    },
  ];
};

const resultOf = (file: FileInput, result: ContentCheck, findings: Finding[], policy: DisclosurePolicy, supporting?: FileResult['supporting']): FileResult => ({
  name: file.name,
  verdict: combineVerdicts(findings),
  fileType: result.fileType,
  findings,
  policy,
  rulesVersion: RULES_VERSION,
  ...(supporting ? { supporting } : {}),
});
