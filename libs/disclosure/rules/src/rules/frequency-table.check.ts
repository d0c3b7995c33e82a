import type { DisclosurePolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';
import type { FrequencyTable } from '../tables/frequency-table';
import { classDisclosureRule } from './class-disclosure.rule';
import { secondarySuppressionRule } from './secondary-suppression.rule';
import { thresholdRule } from './threshold.rule';

/** Every rule that can judge a published frequency table on its own. */
export const checkFrequencyTable = (table: FrequencyTable, policy: DisclosurePolicy): Finding[] => [
  ...thresholdRule(table, policy),
  ...classDisclosureRule(table, policy),
  ...secondarySuppressionRule(table),
];
