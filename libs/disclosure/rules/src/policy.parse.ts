import { DEFAULT_POLICY, type DisclosurePolicy } from './disclosure.policy';
import { DISCLOSURE_POLICY_FIELDS } from './policy.schema';

/** A policy document that cannot be used; the message names the key, never guesses a default. */
export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

// The airlock's project settings call the threshold minCellCount (DisclosureThresholds).
const ALIASES: ReadonlyMap<string, keyof DisclosurePolicy> = new Map([['minCellCount', 'threshold']]);

// Own keys only: a key such as "constructor" must be unknown, not found on Object.prototype.
const policyKey = (given: string): keyof DisclosurePolicy | undefined => {
  const key = ALIASES.get(given) ?? given;
  return Object.hasOwn(DISCLOSURE_POLICY_FIELDS, key) ? (key as keyof DisclosurePolicy) : undefined;
};

/**
 * A policy from a JSON document: any of the policy's keys over the defaults. An unknown key (a
 * typo such as "treshold") or a value out of range (policy.schema.ts) is an error, never
 * silently the default.
 */
export const parsePolicy = (document: unknown, defaults: DisclosurePolicy = DEFAULT_POLICY): DisclosurePolicy => {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new PolicyError('The policy must be a JSON object, for example {"threshold": 10}.');
  }
  const policy: Record<string, unknown> = { ...defaults };
  for (const [given, value] of Object.entries(document)) {
    const key = policyKey(given);
    if (key === undefined) throw new PolicyError(`Unknown policy key "${given}"; known keys: ${Object.keys(DISCLOSURE_POLICY_FIELDS).join(', ')}.`);
    const field = DISCLOSURE_POLICY_FIELDS[key];
    if (!field.schema.safeParse(value).success) throw new PolicyError(`Policy key "${given}" must be ${field.range}.`);
    policy[key] = value;
  }
  return policy as DisclosurePolicy;
};
