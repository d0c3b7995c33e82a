import { DEFAULT_POLICY, type DisclosurePolicy } from './disclosure.policy';

/** A policy document that cannot be used; the message names the key, never guesses a default. */
export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

type Check = (value: unknown) => boolean;

const integerAtLeast = (min: number): Check => (v) => typeof v === 'number' && Number.isInteger(v) && v >= min;
const share: Check = (v) => typeof v === 'number' && v > 0 && v <= 1;
const fraction: Check = (v) => typeof v === 'number' && v >= 0 && v <= 1;
const positive: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;
const boolean: Check = (v) => typeof v === 'boolean';

const KEYS: Record<keyof DisclosurePolicy, [Check, string]> = {
  threshold: [integerAtLeast(1), 'a whole number of at least 1'],
  zerosAreDisclosive: [boolean, 'true or false'],
  maxTableCells: [integerAtLeast(1), 'a whole number of at least 1'],
  p: [fraction, 'a number from 0 to 1'],
  nkN: [integerAtLeast(1), 'a whole number of at least 1'],
  nkK: [share, 'a number above 0 and at most 1'],
  checkMissingValues: [boolean, 'true or false'],
  classDisclosureShare: [share, 'a number above 0 and at most 1'],
  minResidualDof: [integerAtLeast(0), 'a whole number of at least 0'],
  archiveMaxEntries: [integerAtLeast(1), 'a whole number of at least 1'],
  archiveMaxUncompressedBytes: [positive, 'a number of bytes above 0'],
  archiveMaxRatio: [positive, 'a number above 0'],
  archiveMaxDepth: [integerAtLeast(1), 'a whole number of at least 1'],
};

// The airlock's project settings call the threshold minCellCount (DisclosureThresholds).
const ALIASES: Record<string, keyof DisclosurePolicy> = { minCellCount: 'threshold' };

/**
 * A policy from a JSON document: any of the policy's keys over the defaults. An unknown key (a
 * typo such as "treshold") or a value out of range is an error, never silently the default.
 */
export const parsePolicy = (document: unknown, defaults: DisclosurePolicy = DEFAULT_POLICY): DisclosurePolicy => {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new PolicyError('The policy must be a JSON object, for example {"threshold": 10}.');
  }
  const policy: Record<string, unknown> = { ...defaults };
  for (const [given, value] of Object.entries(document)) {
    const key = (ALIASES[given] ?? given) as keyof DisclosurePolicy;
    const rule = KEYS[key];
    if (rule === undefined) throw new PolicyError(`Unknown policy key "${given}"; known keys: ${Object.keys(KEYS).join(', ')}.`);
    if (!rule[0](value)) throw new PolicyError(`Policy key "${given}" must be ${rule[1]}.`);
    policy[key] = value;
  }
  return policy as DisclosurePolicy;
};
