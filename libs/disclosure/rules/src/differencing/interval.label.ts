import { isTotalLabel } from '../tables/frequency-table';

// Labels of banded rows or columns read as half-open intervals [lo, hi) on one axis: ages and
// other whole numbers (`0-17`, `18 to 64`, `65+`, `<5`), or months (`2019-Q1`, `2019-03`).
// Bands of whole numbers: `0-17` holds 0..17, so it is [0, 18).

export type IntervalAxis = 'number' | 'month';
export type Interval = { axis: IntervalAxis; lo: number; hi: number };

const DASHES = /[\u2010-\u2015\u2212]/g;
const RANGE = /^(\d{1,9})\s*(?:-|to)\s*(\d{1,9})$/;
const AND_OVER = /^(\d{1,9})\s*(?:\+|and over|or over|and above|or more|plus)$/;
const UNDER = /^(?:<|under|less than|below)\s*(\d{1,9})$/;
const AT_MOST = /^(?:<=|≤|up to)\s*(\d{1,9})$/;
const OVER = /^(?:>|over|more than|above)\s*(\d{1,9})$/;
const AT_LEAST = /^(?:>=|≥)\s*(\d{1,9})$/;
const SINGLE = /^(\d{1,9})$/;
const QUARTER = /^(\d{4})\s*-?\s*q([1-4])$/;
const HALF = /^(\d{4})\s*-?\s*h([12])$/;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The normal form of a label for matching across tables: trimmed, lower case, one space, one dash. */
export const normalizeLabel = (label: string): string => label.trim().toLowerCase().replace(DASHES, '-').replace(/\s+/g, ' ');

/** The interval a band label names, or null when it names none. */
export const parseInterval = (label: string): Interval | null => {
  const text = normalizeLabel(label);
  let m: RegExpExecArray | null;
  if ((m = QUARTER.exec(text))) return month(Number(m[1]) * 12 + (Number(m[2]) - 1) * 3, 3);
  if ((m = HALF.exec(text))) return month(Number(m[1]) * 12 + (Number(m[2]) - 1) * 6, 6);
  if ((m = MONTH.exec(text))) return month(Number(m[1]) * 12 + Number(m[2]) - 1, 1);
  if ((m = RANGE.exec(text))) {
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    return lo <= hi ? number(lo, hi + 1) : null;
  }
  if ((m = AND_OVER.exec(text))) return number(Number(m[1]), Infinity);
  if ((m = AT_LEAST.exec(text))) return number(Number(m[1]), Infinity);
  if ((m = OVER.exec(text))) return number(Number(m[1]) + 1, Infinity);
  if ((m = UNDER.exec(text))) return number(-Infinity, Number(m[1]));
  if ((m = AT_MOST.exec(text))) return number(-Infinity, Number(m[1]) + 1);
  if ((m = SINGLE.exec(text))) return number(Number(m[1]), Number(m[1]) + 1);
  return null;
};

const number = (lo: number, hi: number): Interval => ({ axis: 'number', lo, hi });
const month = (lo: number, length: number): Interval => ({ axis: 'month', lo, hi: lo + length });

/** How a checker would write the interval: `16-17`, `65+`, `<5`, `2019-Q1`, `2019-03 to 2019-04`. */
export const formatInterval = ({ axis, lo, hi }: Interval): string => {
  if (axis === 'month') {
    if (lo % 3 === 0 && hi - lo === 3) return `${Math.floor(lo / 12)}-Q${(lo % 12) / 3 + 1}`;
    const name = (m: number) => `${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
    if (lo === -Infinity) return `before ${name(hi)}`;
    if (hi === Infinity) return `${name(lo)} onwards`;
    return hi - lo === 1 ? name(lo) : `${name(lo)} to ${name(hi - 1)}`;
  }
  if (lo === -Infinity) return `<${hi}`;
  if (hi === Infinity) return `${lo}+`;
  return hi - lo === 1 ? `${lo}` : `${lo}-${hi - 1}`;
};

type Bands = { axis: IntervalAxis; bands: (Interval | null)[] } | null;

/**
 * The intervals of a table's labels, when every label (margins: Total, All) names one on the same
 * axis; null otherwise. Margins get null in their place. A table's labels are read once, however
 * many tables it is compared with.
 */
const parsed = new WeakMap<readonly string[], Bands>();

export const bandsOf = (labels: readonly string[]): Bands => {
  if (parsed.has(labels)) return parsed.get(labels) as Bands;
  const result = readBands(labels, (index) => isTotalLabel(labels[index]));
  parsed.set(labels, result);
  return result;
};

const readBands = (labels: readonly string[], isMargin: (index: number) => boolean): Bands => {
  let axis: IntervalAxis | null = null;
  const bands: (Interval | null)[] = [];
  for (const [index, label] of labels.entries()) {
    if (isMargin(index)) {
      bands.push(null);
      continue;
    }
    const interval = parseInterval(label);
    if (!interval || (axis !== null && interval.axis !== axis)) return null;
    axis = interval.axis;
    bands.push(interval);
  }
  return axis === null ? null : { axis, bands };
};
