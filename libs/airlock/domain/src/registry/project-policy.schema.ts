import { z } from 'zod';
import { DISCLOSURE_POLICY_FIELDS, firstViolation, type PolicyViolation } from '@airlock/disclosure-rules';
import { ID_PATTERN } from '../identity/id.grammar';

// A project's policy, checked by the admin API and again by the registry's decide: one schema.
// Disclosure thresholds take their ranges from the rules (policy.schema.ts in the rules lib);
// the airlock calls the threshold minCellCount.
const THRESHOLDS = {
  minCellCount: DISCLOSURE_POLICY_FIELDS.threshold,
  p: DISCLOSURE_POLICY_FIELDS.p,
  nkN: DISCLOSURE_POLICY_FIELDS.nkN,
  nkK: DISCLOSURE_POLICY_FIELDS.nkK,
  classDisclosureShare: DISCLOSURE_POLICY_FIELDS.classDisclosureShare,
  minResidualDof: DISCLOSURE_POLICY_FIELDS.minResidualDof,
  rounding: DISCLOSURE_POLICY_FIELDS.rounding,
  // Projects naming the same data domain share one ledger of released tables (differencing).
  dataDomain: { schema: z.string().regex(new RegExp(ID_PATTERN)), range: 'an id (letters, digits, . _ @ -; at most 64)' },
} as const;

const APPROVAL = {
  // Distinct accredited checkers per file; one is the floor (imports), ten is beyond any panel.
  requiredApprovals: { schema: z.number().int().min(1).max(10), range: 'a whole number from 1 to 10' },
  extraApprovalForReview: { schema: z.boolean(), range: 'true or false' },
  extraApprovalForKinds: {
    schema: z
      .array(z.enum(['output', 'supporting', 'code']))
      .max(3)
      .refine((kinds) => new Set(kinds).size === kinds.length),
    range: 'a list of distinct file kinds (output, supporting, code)',
  },
} as const;

const IMPORTS = {
  allowedKinds: {
    schema: z
      .array(z.enum(['code', 'packages', 'data', 'documents']))
      .max(4)
      .refine((kinds) => new Set(kinds).size === kinds.length),
    range: 'a list of distinct import kinds (code, packages, data, documents)',
  },
  disclosureChecks: { schema: z.boolean(), range: 'true or false' },
  requiredApprovals: APPROVAL.requiredApprovals,
} as const;

const RANGES = new Map<string, string>([
  ...Object.entries(IMPORTS).map(([key, field]) => [`imports.${key}`, field.range] as const),
  ['imports', 'an object'],
  ...Object.entries(THRESHOLDS).map(([key, field]) => [`disclosure.${key}`, field.range] as const),
  ...Object.entries(APPROVAL).map(([key, field]) => [`approval.${key}`, field.range] as const),
  ['approval', 'an object'],
  ['disclosure', 'an object'],
]);

export const projectPolicySchema = z
  .object({
    approval: z
      .object({
        requiredApprovals: APPROVAL.requiredApprovals.schema,
        extraApprovalForReview: APPROVAL.extraApprovalForReview.schema,
        extraApprovalForKinds: APPROVAL.extraApprovalForKinds.schema,
      })
      .strict(),
    disclosure: z.object(Object.fromEntries(Object.entries(THRESHOLDS).map(([key, field]) => [key, field.schema.optional()]))).strict(),
    imports: z
      .object({
        allowedKinds: IMPORTS.allowedKinds.schema,
        disclosureChecks: IMPORTS.disclosureChecks.schema,
        requiredApprovals: IMPORTS.requiredApprovals.schema,
      })
      .strict()
      .optional(),
  })
  .strict();

/** The first value of a project policy out of its range, named like `policy.disclosure.nkK`; none if it holds. */
export function projectPolicyViolation(policy: unknown): PolicyViolation | undefined {
  return firstViolation(projectPolicySchema, policy, (path) => RANGES.get(path.join('.')), { prefix: 'policy', depth: 2 });
}
