import { z } from 'zod';
import type { DisclosurePolicy } from './disclosure.policy';

// The one statement of what each policy value means and which values make sense, used by the
// CLI's policy files (parsePolicy) and by the airlock's project policy (admin API and registry).
// A value outside its range is refused, never clamped: a range that switches a rule off
// (p = 0, k = 1, share = 1, dof = 0, threshold 1) or a percentage given for a fraction
// (p = 10, k = 90) would pass disclosive outputs without anyone noticing.
export type PolicyField = { schema: z.ZodTypeAny; range: string };

const whole = (min: number, max: number, doc: string): PolicyField => ({
  schema: z.number().int().min(min).max(max).describe(`${doc} Whole number, ${min} to ${max}.`),
  range: `a whole number from ${min} to ${max}`,
});
/** A fraction of a total: strictly above 0; at most 1, or below 1 where 1 would switch the rule off. */
const fraction = (upTo: 'at most 1' | 'below 1', doc: string): PolicyField => {
  const base = z.number().gt(0);
  return {
    schema: (upTo === 'below 1' ? base.lt(1) : base.lte(1)).describe(`${doc} Fraction, above 0 and ${upTo}.`),
    range: `a fraction above 0 and ${upTo} (0.1 means 10%)`,
  };
};
const flag = (doc: string): PolicyField => ({ schema: z.boolean().describe(doc), range: 'true or false' });

export const DISCLOSURE_POLICY_FIELDS: { readonly [K in keyof DisclosurePolicy]: PolicyField } = {
  // Cells under the threshold are primary disclosive; 1 would pass every count of 1 (SDC handbook: 10).
  threshold: whole(2, 1000, 'Minimum contributors per cell.'),
  zerosAreDisclosive: flag('Whether a zero count is disclosive.'),
  // Bounds memory: tables judged in memory with more body cells go to review.
  maxTableCells: whole(1, 10_000_000, 'Most body cells of a table judged in memory.'),
  // p% rule: (total - x1 - x2) / x1 < p fails; p = 0 would pass every cell.
  p: fraction('at most 1', 'p% rule: the others must hide at least this fraction of the largest contribution.'),
  // nk-dominance sums the n largest contributions (ACRO: 2).
  nkN: whole(1, 10, 'nk-dominance: how many of the largest contributions are summed.'),
  // nk-dominance: top-n / total > k fails; k = 1 would pass every cell.
  nkK: fraction('below 1', 'nk-dominance: the share of the cell total the n largest may not exceed.'),
  checkMissingValues: flag('Send cells with missing contributions to review.'),
  // Class disclosure: cell / row or column total > share fails; share = 1 would pass every cell.
  classDisclosureShare: fraction('below 1', 'Class disclosure: the largest share of a row or column total one cell may hold.'),
  // Models with fewer residual degrees of freedom fail; 0 would pass every model (ACRO: 10).
  minResidualDof: whole(1, 1000, 'Models need at least this many residual degrees of freedom.'),
  archiveMaxEntries: whole(1, 1_000_000, 'Archives: most members, counted across nested archives.'),
  archiveMaxUncompressedBytes: whole(1, 2 ** 40, 'Archives: most bytes all members may expand to.'),
  // Deflate reaches about 1000:1; a limit above that stops no bomb.
  archiveMaxRatio: {
    schema: z.number().min(1).max(1000).describe('Archives: most a member may expand relative to its compressed size. 1 to 1000.'),
    range: 'a number from 1 to 1000',
  },
  archiveMaxDepth: whole(1, 10, 'Archives: how deep archives may nest.'),
  // Unrounded counts fail the `rounding` rule when a project requires rounding.
  rounding: {
    schema: z.enum(['none', 'base5', 'base10', 'midpoint6']).describe('Counts must be rounded: none, base5, base10 or midpoint6.'),
    range: 'one of none, base5, base10, midpoint6',
  },
};

/** A policy document: any of the keys, nothing else. */
export const disclosurePolicySchema = z
  .object(Object.fromEntries(Object.entries(DISCLOSURE_POLICY_FIELDS).map(([key, field]) => [key, field.schema.optional()])))
  .strict();

export type PolicyViolation = { path: string; message: string };

/**
 * The first violation of `schema`, named by its dotted path under `prefix` (cut to `depth` keys,
 * so a bad list item names its field), with the field's range.
 */
export function firstViolation(
  schema: z.ZodTypeAny,
  value: unknown,
  rangeOf: (path: readonly (string | number)[]) => string | undefined,
  { prefix = '', depth = Infinity }: { prefix?: string; depth?: number } = {},
): PolicyViolation | undefined {
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  const keys = (issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path).slice(0, depth);
  const path = [prefix, ...keys].filter((part) => part !== '').join('.');
  if (issue.code === 'unrecognized_keys') return { path, message: `${path} is not a policy key` };
  const range = rangeOf(keys);
  return { path, message: range ? `${path} must be ${range}` : `${path}: ${issue.message}` };
}
