import type { DisclosurePolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';
import type { CellStats, MagnitudeStatistic } from '../magnitude/cell-stats';
import { EVIDENCE_COLUMNS, type Evidence, type EvidenceRow } from './evidence';

export type EvidenceReading = { kind: 'evidence'; evidence: Evidence } | { kind: 'not-evidence'; header: string[] | null };

const STATISTICS: Record<string, MagnitudeStatistic> = {
  sum: 'sum',
  total: 'sum',
  mean: 'mean',
  average: 'mean',
  avg: 'mean',
  median: 'median',
  mode: 'mode',
  std: 'std',
  sd: 'std',
};
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const MAX_LISTED_LINES = 10;

/**
 * Reads an evidence file's rows. The header decides: without every evidence column it is not
 * evidence (and is checked as an ordinary table). Lines that cannot be used become one review
 * finding naming their line numbers, never their values.
 */
export const readEvidence = async (rows: AsyncIterable<string[]>, policy: Pick<DisclosurePolicy, 'maxTableCells'>): Promise<EvidenceReading> => {
  const iterator = rows[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return { kind: 'not-evidence', header: null };
  const header = first.value.map((h) => h.trim().toLowerCase());
  if (!EVIDENCE_COLUMNS.every((c) => header.includes(c))) return { kind: 'not-evidence', header: first.value };
  const at = (name: string): number => header.indexOf(name);
  const out: EvidenceRow[] = [];
  const bad: number[] = [];
  const statistics = new Set<MagnitudeStatistic>();
  let line = 1;
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    line++;
    const cells = next.value;
    if (cells.every((c) => c.trim() === '')) continue;
    const field = (name: string): string => (at(name) < 0 ? '' : (cells[at(name)] ?? '').trim());
    const stats = parseStats(field);
    if (stats === null) {
      bad.push(line);
      continue;
    }
    if (field('statistic') !== '') statistics.add(STATISTICS[field('statistic').toLowerCase()] ?? 'other');
    out.push({ row: field('row'), column: field('column'), stats });
    if (out.length > policy.maxTableCells) {
      return evidenceOf(
        'sum',
        [],
        [problem(`The evidence has more than ${policy.maxTableCells} rows (policy maxTableCells), too many to check automatically.`)],
      );
    }
  }
  const problems: Finding[] = [];
  if (bad.length > 0) {
    const listed = bad.slice(0, MAX_LISTED_LINES).join(', ') + (bad.length > MAX_LISTED_LINES ? ', …' : '');
    problems.push(
      problem(
        `${bad.length} evidence line${bad.length === 1 ? '' : 's'} (${listed}) cannot be used: contributors must be a whole number, the values numbers, second_largest at most largest.`,
      ),
    );
  }
  if (statistics.size > 1) problems.push(problem('The evidence names more than one statistic; one table shows one statistic.'));
  return evidenceOf(statistics.size === 1 ? [...statistics][0] : 'sum', out, problems);
};

const evidenceOf = (statistic: MagnitudeStatistic, rows: EvidenceRow[], problems: Finding[]): EvidenceReading => ({
  kind: 'evidence',
  evidence: { statistic, rows, problems },
});

const problem = (message: string): Finding => ({ rule: 'file-type', verdict: 'review', cells: [], message });

const num = (text: string): number | null => (NUMBER.test(text) ? Number(text) : null);

/** Per-cell statistics from one evidence line; null when the line is not usable. */
const parseStats = (field: (name: string) => string): CellStats | null => {
  const contributors = num(field('contributors'));
  const total = num(field('total'));
  const x1 = field('largest') === '' ? null : num(field('largest'));
  const x2 = field('second_largest') === '' ? null : num(field('second_largest'));
  const missing = field('missing') === '' ? null : num(field('missing'));
  const smallest = field('smallest') === '' ? null : num(field('smallest'));
  if (contributors === null || !Number.isInteger(contributors) || contributors < 0 || total === null) return null;
  if ((field('largest') !== '' && x1 === null) || (field('second_largest') !== '' && x2 === null)) return null;
  if ((field('missing') !== '' && (missing === null || missing < 0)) || (field('smallest') !== '' && smallest === null)) return null;
  if (contributors >= 1 && x1 === null) return null;
  if (contributors >= 2 && x2 === null) return null;
  if (x1 !== null && x2 !== null && x2 > x1) return null;
  const largest = [x1, x2].slice(0, Math.min(2, contributors)).filter((x): x is number => x !== null);
  return {
    contributors,
    total,
    largest,
    negative: negativeOf(contributors, total, largest, smallest),
    missing,
    allSame: allSameOf(contributors, total, largest, smallest),
  };
};

// With N, T and the two largest, a negative contribution is certain when x2 or the rest (T − x1 − x2) is below zero.
const negativeOf = (n: number, total: number, largest: number[], smallest: number | null): boolean | null => {
  if (smallest !== null) return smallest < 0;
  if (largest.some((x) => x < 0)) return true;
  if (n >= 2 && total - largest[0] - largest[1] < -tolerance(total)) return true;
  return n <= 2 ? false : null;
};

// Every contribution is at most x1, so T = N·x1 exactly when all of them equal x1.
const allSameOf = (n: number, total: number, largest: number[], smallest: number | null): boolean | null => {
  if (n === 0) return null;
  if (smallest !== null) return smallest === largest[0];
  return Math.abs(n * largest[0] - total) <= tolerance(total);
};

// Totals come from floating-point sums: compare to a relative tolerance, not exactly.
const tolerance = (total: number): number => Math.abs(total) * 1e-9;
