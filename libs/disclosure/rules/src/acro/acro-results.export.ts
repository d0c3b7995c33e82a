import type { FileResult, Finding, Verdict } from '../disclosure.types';
import { RULES_VERSION } from '../rules.version';

/** The results.json format we write: ACRO's, as ACRO 1.0.2 writes it (a superset of 0.4's, which SACRO-Viewer reads). */
export const ACRO_FORMAT_VERSION = '1.0.2';

export type AcroExportFile = { name: string; sdc: { summary: Record<string, number>; cells: Record<string, [number, number][]> } };

export type AcroExportOutput = {
  uid: string;
  status: Verdict;
  type: string;
  properties: Record<string, unknown>;
  files: AcroExportFile[];
  outcome: Record<string, Record<string, string>>;
  command: string;
  summary: string;
  timestamp: string;
  comments: string[];
  exception: string;
  fair: Record<string, unknown>;
};

export type AcroExport = {
  version: string;
  tool: { '@type': 'SoftwareApplication'; name: string; version: string };
  results: Record<string, AcroExportOutput>;
};

/**
 * What the export reads of a file's result: a FileResult fits, and so does a check as recorded in
 * a request's events (the release path writes results.json from the release record).
 */
export type AcroExportInput = Pick<FileResult, 'name' | 'verdict' | 'supporting' | 'acro'> & {
  fileType: { kind: string };
  /** A rule name as recorded (a string: results recorded by an earlier rules version name theirs). */
  findings: readonly (Pick<Finding, 'verdict' | 'cells' | 'cellCount' | 'message'> & { rule: string })[];
};
type ExportFinding = AcroExportInput['findings'][number];

const WORST: readonly Verdict[] = ['fail', 'review', 'pass'];
const worst = (verdicts: Verdict[]): Verdict => WORST.find((v) => verdicts.includes(v)) ?? 'pass';

/**
 * Our verdicts as an ACRO results.json, so SACRO-Viewer opens them: one output per file (files of
 * one ACRO output stay together under ACRO's id, with its comments and exception request), cells
 * flagged per rule as ACRO flags them (0-based [row, column] of the table body), our findings'
 * messages as comments. Supporting material is marked DO NOT RELEASE, as ACRO marks its summaries;
 * ACRO's own metadata is left out (this file replaces it). `timestamp` comes from the caller.
 */
export const toAcroResults = (results: readonly AcroExportInput[], timestamp: string): AcroExport => {
  const outputs = new Map<string, AcroExportInput[]>();
  for (const result of results) {
    if (result.supporting === 'acro-metadata') continue;
    const uid = result.acro?.outputId ?? (result.supporting ? `${result.name}-DONT_RELEASE` : result.name);
    outputs.set(uid, [...(outputs.get(uid) ?? []), result]);
  }
  const entries = [...outputs].map(([uid, files]): [string, AcroExportOutput] => [uid, outputOf(uid, files, timestamp)]);
  return {
    version: ACRO_FORMAT_VERSION,
    tool: { '@type': 'SoftwareApplication', name: 'Airlock disclosure-check', version: RULES_VERSION },
    results: Object.fromEntries(entries),
  };
};

const outputOf = (uid: string, files: AcroExportInput[], timestamp: string): AcroExportOutput => {
  const acro = files.find((f) => f.acro)?.acro;
  const supporting = files.some((f) => f.supporting);
  const findings = files.flatMap((f) => f.findings);
  const status: Verdict = supporting ? 'review' : worst(files.map((f) => f.verdict));
  const isTable = files.every((f) => f.fileType.kind === 'csv' || f.fileType.kind === 'tsv') && !supporting;
  const flagged = findings.filter((f) => f.verdict !== 'pass');
  return {
    uid,
    status,
    type: acro?.type || (isTable ? 'table' : 'custom'),
    properties: { method: 'airlock-check', rules_version: RULES_VERSION, file_types: [...new Set(files.map((f) => f.fileType.kind))] },
    files: files.map((file) => ({ name: file.name, sdc: sdcOf(file) })),
    outcome: isTable ? outcomeOf(flagged) : {},
    command: acro?.command || 'airlock-check',
    summary: summaryOf(status, flagged),
    timestamp: acro?.timestamp || timestamp,
    comments: [
      ...(supporting ? ['DO NOT RELEASE - SUPPORTING MATERIAL FOR OUTPUT CHECKER USE ONLY'] : []),
      ...(acro?.comments ?? []),
      ...findings.map((f) => `${f.rule} (${f.verdict}): ${f.message}`),
    ],
    exception: acro?.exception ?? '',
    fair: {},
  };
};

/** ACRO's per-file flags: how many cells each rule flagged, and which. */
const sdcOf = (file: AcroExportInput): AcroExportFile['sdc'] => {
  const summary: Record<string, number> = {};
  const cells: Record<string, [number, number][]> = {};
  for (const finding of file.findings.filter((f) => f.verdict !== 'pass')) {
    const positions = finding.cells.map((c): [number, number] => [c.row, c.column]);
    summary[finding.rule] = (summary[finding.rule] ?? 0) + Math.max(1, finding.cellCount ?? positions.length);
    // Cells index the file's own table; members of archives and sheets have their own.
    if (file.fileType.kind === 'csv' || file.fileType.kind === 'tsv') cells[finding.rule] = [...(cells[finding.rule] ?? []), ...positions];
  }
  return { summary, cells };
};

/** ACRO's outcome table (column → row → flags), for the flagged cells whose labels we know. */
const outcomeOf = (findings: readonly ExportFinding[]): AcroExportOutput['outcome'] => {
  const outcome: AcroExportOutput['outcome'] = {};
  for (const finding of findings) {
    for (const cell of finding.cells) {
      if (cell.rowLabel === undefined || cell.columnLabel === undefined) continue;
      const column = (outcome[cell.columnLabel] ??= {});
      column[cell.rowLabel] = `${column[cell.rowLabel] ?? ''}${finding.rule}; `;
    }
  }
  return outcome;
};

const summaryOf = (status: Verdict, findings: readonly ExportFinding[]): string => {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.rule, (counts.get(f.rule) ?? 0) + Math.max(1, f.cellCount ?? f.cells.length));
  return [status, ...[...counts].map(([rule, n]) => `${rule}: ${n} cell${n === 1 ? '' : 's'}`)].join('; ');
};
