import type { Finding, Verdict } from './disclosure.types';

/** fail if any finding fails, else review if any needs review, else pass. */
export const combineVerdicts = (findings: readonly Finding[]): Verdict => {
  if (findings.some((f) => f.verdict === 'fail')) return 'fail';
  if (findings.some((f) => f.verdict === 'review')) return 'review';
  return 'pass';
};
