import type { DisclosurePolicy } from '../disclosure.policy';
import type { CellRef, Finding, Verdict } from '../disclosure.types';
import { cellAt, MAX_LISTED_CELLS } from '../tables/cell-list';
import { isTotalLabel } from '../tables/frequency-table';
import { bandsOf, formatInterval, normalizeLabel, type Interval } from './interval.label';
import { Potentials } from './potentials';
import { describePart, measureLabel, transposed, type ComparedTable, type TableOrigin, type TableSnapshot } from './table-snapshot';

/** A differencing finding and the table it was found against (the command line prints its path). */
export type DifferencingFinding = Finding & { rule: 'differencing'; against: TableOrigin };

type Policy = Pick<DisclosurePolicy, 'threshold'>;

/**
 * What `table` reveals together with tables released or submitted before it (SDC handbook:
 * disclosure by differencing). One finding per pattern and compared table, naming the cells of
 * `table` involved and the other file; never a value. Patterns:
 * - overlapping bands: banded rows (or columns) of both tables cut into the finest common
 *   intervals; an interval the two determine exactly, strictly between 0 and the threshold, fails;
 * - snapshots: the same labels as a released table with counts at least as large (cumulative
 *   figures): a difference strictly between 0 and the threshold fails;
 * - subset tables: the same labels, every cell of one at most the other's (a population and a
 *   sub-population): such differences go to review;
 * - linked tables: a suppressed cell that the other table's cells or margins make recoverable fails.
 * Tables whose shared cells disagree are of different populations or measures and are not compared.
 */
export const checkDifferencing = (table: TableSnapshot, others: Iterable<ComparedTable>, policy: Policy): DifferencingFinding[] => {
  const findings: DifferencingFinding[] = [];
  for (const other of others) {
    findings.push(...overlappingBands(table, other, policy), ...subsetOrSnapshot(table, other, policy), ...linkedTables(table, other));
  }
  return findings;
};

/** How a finding names the other file: request, file name, release date; or its path. */
export const describeOrigin = (origin: TableOrigin): string => {
  const part = origin.part === undefined ? '' : ` (${describePart(origin.part)})`;
  const name = `"${origin.fileName}"${part}`;
  switch (origin.relation) {
    case 'released':
      if (origin.requestId === undefined) return `"${origin.path ?? origin.fileName}"${part} (released earlier)`;
      return `${name} of request ${origin.requestId ?? '?'}${origin.releasedAt ? `, released ${origin.releasedAt.slice(0, 10)}` : ''}`;
    case 'request':
      return `${name} of this request`;
    case 'turn':
      return `${name} as submitted in turn ${origin.turn ?? '?'}`;
    case 'file':
      return `"${origin.path ?? origin.fileName}"${part}`;
  }
};

const isBetween = (value: number, policy: Policy): boolean => value > 0 && value < policy.threshold;

// ---- overlapping bands ------------------------------------------------------------------------

type Hidden = { interval: Interval; column: number };

const overlappingBands = (table: TableSnapshot, other: ComparedTable, policy: Policy): DifferencingFinding[] => {
  const byRows = hiddenBands(table, other.table, policy).map((h) => ({ ...h, cells: bandCells(table, h) }));
  // Transposing is only worth it when both tables have banded columns.
  const columnBands = (t: TableSnapshot) => bandsOf(t.columnLabels)?.axis;
  const banded = columnBands(table) !== undefined && columnBands(table) === columnBands(other.table);
  const t = banded ? transposed(table) : table;
  const byColumns = (banded ? hiddenBands(t, transposed(other.table), policy) : []).map((h) => ({
    ...h,
    cells: bandCells(t, h).map((c) => cellAt(c.column, c.row, c.columnLabel ?? '', c.rowLabel ?? '')),
  }));
  const found = [...byRows.map((h) => ({ ...h, of: table.columnLabels })), ...byColumns.map((h) => ({ ...h, of: table.rowLabels }))];
  if (found.length === 0) return [];
  const bands = found.map((h) => `${formatInterval(h.interval)} (${h.of[h.column]})`);
  const listed = bands.slice(0, 10).join(', ') + (bands.length > 10 ? ` and ${bands.length - 10} more` : '');
  return [
    finding(
      'fail',
      found.flatMap((h) => h.cells),
      other.origin,
      `Overlapping bands: this table and ${describeOrigin(other.origin)} together give the count of ${listed} exactly, and it is below the threshold of ${policy.threshold}.`,
    ),
  ];
};

/** Intervals that the banded rows of both tables determine exactly and that fall strictly between 0 and the threshold. */
const hiddenBands = (table: TableSnapshot, other: TableSnapshot, policy: Policy): Hidden[] => {
  const mine = bandsOf(table.rowLabels);
  const theirs = bandsOf(other.rowLabels);
  if (!mine || !theirs || mine.axis !== theirs.axis) return [];
  const hidden: Hidden[] = [];
  for (const [column, label] of table.columnLabels.entries()) {
    const otherColumn = other.columnLabels.findIndex((l) => measureLabel(l) === measureLabel(label));
    if (otherColumn < 0) continue;
    const known = new Potentials();
    const published = new Set<string>();
    const addTable = (t: TableSnapshot, bands: (Interval | null)[], c: number) => {
      for (const [row, band] of bands.entries()) {
        const value = t.cells[row]?.[c];
        const span = band ?? (isTotalLabel(t.rowLabels[row]) ? coveredSpan(bands) : null);
        if (value === null || value === undefined || span === null) continue;
        known.add(span.lo, span.hi, value);
        published.add(`${span.lo}:${span.hi}`);
      }
    };
    addTable(table, mine.bands, column);
    addTable(other, theirs.bands, otherColumn);
    // Contradicting facts: not the same population or measure; the overlap cannot be resolved.
    if (!known.consistent) continue;
    for (const group of known.groups()) {
      for (let i = 1; i < group.length; i++) {
        const [lo, hi] = [group[i - 1], group[i]];
        if (published.has(`${lo}:${hi}`)) continue;
        const value = known.difference(lo, hi);
        if (value !== null && isBetween(value, policy)) hidden.push({ interval: { axis: mine.axis, lo, hi }, column });
      }
    }
  }
  return hidden;
};

/** The interval a table's bands cover, when they tile it without gaps or overlaps (so a Total row sums them). */
const coveredSpan = (bands: (Interval | null)[]): { lo: number; hi: number } | null => {
  const sorted = bands.filter((b): b is Interval => b !== null).sort((a, b) => a.lo - b.lo);
  if (sorted.length === 0) return null;
  for (let i = 1; i < sorted.length; i++) if (sorted[i].lo !== sorted[i - 1].hi) return null;
  return { lo: sorted[0].lo, hi: sorted[sorted.length - 1].hi };
};

/** The cells of the table whose bands hold or border a hidden interval, in its column: the ones the difference is taken from. */
const bandCells = (table: TableSnapshot, hidden: Hidden): CellRef[] => {
  const bands = bandsOf(table.rowLabels)?.bands ?? [];
  return bands.flatMap((band, row) =>
    band && band.lo <= hidden.interval.hi && hidden.interval.lo <= band.hi
      ? [cellAt(row, hidden.column, table.rowLabels[row], table.columnLabels[hidden.column])]
      : [],
  );
};

// ---- subset tables and snapshots --------------------------------------------------------------

const subsetOrSnapshot = (table: TableSnapshot, other: ComparedTable, policy: Policy): DifferencingFinding[] => {
  const rows = matchLabels(table.rowLabels, other.table.rowLabels, normalizeLabel);
  const columns = matchLabels(table.columnLabels, other.table.columnLabels, measureLabel);
  if (!rows || !columns) return [];
  const pairs: { row: number; column: number; d: number }[] = [];
  for (const [row, otherRow] of rows.entries()) {
    for (const [column, otherColumn] of columns.entries()) {
      const mine = table.cells[row]?.[column];
      const theirs = other.table.cells[otherRow]?.[otherColumn];
      if (typeof mine === 'number' && typeof theirs === 'number') pairs.push({ row, column, d: mine - theirs });
    }
  }
  const larger = pairs.every((p) => p.d >= 0);
  const smaller = pairs.every((p) => p.d <= 0);
  if (pairs.length === 0 || (!larger && !smaller)) return [];
  const revealing = pairs.filter((p) => isBetween(Math.abs(p.d), policy));
  if (revealing.length === 0) return [];
  const cells = revealing.map((p) => cellAt(p.row, p.column, table.rowLabels[p.row], table.columnLabels[p.column]));
  const what = describeOrigin(other.origin);
  if (larger && other.origin.relation === 'released') {
    return [
      finding(
        'fail',
        cells,
        other.origin,
        `Snapshot: this table repeats the labels of ${what} with counts at least as large (cumulative figures); ${plural(revealing.length, 'cell')} differ from it by fewer than ${policy.threshold}, which reveals the new cases.`,
      ),
    ];
  }
  const [sub, whole] = larger ? [what, 'this table'] : ['this table', what];
  return [
    finding(
      'review',
      cells,
      other.origin,
      `Subset tables: every cell of ${sub} is at most the same cell of ${whole} (a population and a sub-population); ${plural(revealing.length, 'cell')} differ by fewer than ${policy.threshold}, which a checker should compare in both files.`,
    ),
  ];
};

/** Each label of `mine` to the index of the same label in `theirs`, when both name the same set. */
const matchLabels = (mine: readonly string[], theirs: readonly string[], norm: (l: string) => string): number[] | null => {
  if (mine.length !== theirs.length) return null;
  const index = new Map(theirs.map((l, i) => [norm(l), i] as const));
  if (index.size !== theirs.length) return null;
  const matched = mine.map((l) => index.get(norm(l)) ?? -1);
  return matched.includes(-1) ? null : matched;
};

// ---- linked tables ----------------------------------------------------------------------------

const TOTAL = -1;
type Equation = { cells: number[]; value: number; external: boolean };

const linkedTables = (table: TableSnapshot, other: ComparedTable): DifferencingFinding[] => {
  const suppressed: number[] = [];
  const width = table.columnLabels.length;
  table.cells.forEach((row, r) => row.forEach((v, c) => v === null && suppressed.push(r * width + c)));
  if (suppressed.length === 0) return [];
  const own = ownEquations(table);
  const alone = recover(table, own);
  let best: Set<number> | null = null;
  for (const candidate of [other.table, transposed(other.table)]) {
    const external = externalEquations(table, candidate);
    if (external === null) continue;
    const together = recover(table, [...own, ...external]);
    if (together === null) continue; // contradicts: another population or measure
    const gained = new Set(suppressed.filter((cell) => together.has(cell) && !alone?.has(cell)));
    if (gained.size > (best?.size ?? 0)) best = gained;
  }
  if (!best || best.size === 0) return [];
  const cells = [...best]
    .sort((a, b) => a - b)
    .map((id) => {
      const [r, c] = [Math.floor(id / width), id % width];
      return cellAt(r, c, table.rowLabels[r], table.columnLabels[c]);
    });
  return [
    finding(
      'fail',
      cells,
      other.origin,
      `Linked tables: ${plural(cells.length, 'suppressed cell')} of this table can be recalculated from ${describeOrigin(other.origin)} (its cells or margins); suppress more cells (secondary suppression across both tables) or drop one table.`,
    ),
  ];
};

/** The table's own margins: each Total row and column is the sum of the others. */
const ownEquations = (table: TableSnapshot): Equation[] => {
  const width = table.columnLabels.length;
  const totalRows = table.rowLabels.flatMap((l, i) => (isTotalLabel(l) ? [i] : []));
  const totalColumns = table.columnLabels.flatMap((l, i) => (isTotalLabel(l) ? [i] : []));
  const innerRows = table.rowLabels.flatMap((l, i) => (isTotalLabel(l) ? [] : [i]));
  const innerColumns = table.columnLabels.flatMap((l, i) => (isTotalLabel(l) ? [] : [i]));
  const equations: Equation[] = [];
  // Written as cells that sum to 0: the total with a minus sign is encoded by listing it in `minus`.
  for (const r of table.rowLabels.keys()) {
    for (const t of totalColumns)
      equations.push(
        balance(
          innerColumns.map((c) => r * width + c),
          r * width + t,
        ),
      );
  }
  for (const t of totalRows) {
    for (const c of table.columnLabels.keys())
      equations.push(
        balance(
          innerRows.map((r) => r * width + c),
          t * width + c,
        ),
      );
  }
  return equations;
};

// A margin equation: the parts minus the total is 0 (the total is stored negated: ~id).
const balance = (parts: number[], total: number): Equation => ({ cells: [...parts, ~total], value: 0, external: false });

/** The other table's published cells as facts about this table's cells and margins; null when nothing matches. */
const externalEquations = (table: TableSnapshot, other: TableSnapshot): Equation[] | null => {
  const width = table.columnLabels.length;
  const rowIndex = new Map(table.rowLabels.map((l, i) => [normalizeLabel(l), i] as const));
  const columnIndex = new Map(table.columnLabels.map((l, i) => [measureLabel(l), i] as const));
  const innerRows = table.rowLabels.flatMap((l, i) => (isTotalLabel(l) ? [] : [i]));
  const innerColumns = table.columnLabels.flatMap((l, i) => (isTotalLabel(l) ? [] : [i]));
  const rowOf = (label: string) => rowIndex.get(normalizeLabel(label)) ?? (measureLabel(label) === 'n' ? TOTAL : undefined);
  // A one-column table of counts ("n", "count") gives this table's row margins; a margin column
  // ("All", "Total") always does, even when this table has a category that reads as a count name
  // (grant type "N": without this its "All" column was taken for that category's column).
  const columnOf = (label: string) =>
    isTotalLabel(label) ? TOTAL : (columnIndex.get(measureLabel(label)) ?? (measureLabel(label) === 'n' ? TOTAL : undefined));
  const equations: Equation[] = [];
  // Matched by at least one label of this table's own (not only by margins), else unrelated.
  let matched = other.columnLabels.some((l) => columnIndex.has(measureLabel(l)) && measureLabel(l) !== 'n');
  for (const [or, label] of other.rowLabels.entries()) {
    const r = rowOf(label);
    if (r === undefined) continue;
    if (r !== TOTAL) matched = true;
    for (const [oc, columnLabel] of other.columnLabels.entries()) {
      const c = columnOf(columnLabel);
      const value = other.cells[or]?.[oc];
      if (c === undefined || value === null || value === undefined) continue;
      const rows = r === TOTAL ? innerRows : [r];
      const columns = c === TOTAL ? innerColumns : [c];
      equations.push({ cells: rows.flatMap((ri) => columns.map((ci) => ri * width + ci)), value, external: true });
    }
  }
  return !matched || equations.length === 0 ? null : equations;
};

/**
 * The cells known after repeated substitution (an equation with one unknown left gives it);
 * null when the other table's facts contradict what is published or give a count below 0.
 */
const recover = (table: TableSnapshot, equations: Equation[]): Set<number> | null => {
  const width = table.columnLabels.length;
  const known = new Map<number, number>();
  table.cells.forEach((row, r) => row.forEach((v, c) => v !== null && known.set(r * width + c, v)));
  const recovered = new Set<number>();
  const valueOf = (term: number) => (term < 0 ? -(known.get(~term) as number) : (known.get(term) as number));
  const idOf = (term: number) => (term < 0 ? ~term : term);
  for (let progress = true; progress;) {
    progress = false;
    for (const eq of equations) {
      const unknown = eq.cells.filter((t) => !known.has(idOf(t)));
      const sum = eq.cells.filter((t) => known.has(idOf(t))).reduce((s, t) => s + valueOf(t), 0);
      if (unknown.length === 0) {
        if (eq.external && sum !== eq.value) return null;
        continue;
      }
      if (unknown.length !== 1) continue;
      const term = unknown[0];
      const rest = eq.value - sum;
      const value = term < 0 ? -rest : rest;
      // A count below 0: the facts contradict each other (another population or measure).
      if (value < 0) return null;
      known.set(idOf(term), value);
      recovered.add(idOf(term));
      progress = true;
    }
  }
  return recovered;
};

// ---- shared -----------------------------------------------------------------------------------

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

const finding = (verdict: Verdict, all: CellRef[], against: TableOrigin, message: string): DifferencingFinding => {
  const cells = [...new Map(all.map((c) => [`${c.row}:${c.column}`, c] as const)).values()].sort((a, b) => a.row - b.row || a.column - b.column);
  return {
    rule: 'differencing',
    verdict,
    cells: cells.slice(0, MAX_LISTED_CELLS),
    ...(cells.length > MAX_LISTED_CELLS ? { cellCount: cells.length } : {}),
    message,
    against,
  };
};
