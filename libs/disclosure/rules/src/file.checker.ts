import { checkContent, TOP_LEVEL } from './content.checker';
import { DEFAULT_POLICY, type DisclosurePolicy } from './disclosure.policy';
import type { FileCheckResult } from './disclosure.types';
import { RULES_VERSION } from './rules.version';
import { combineVerdicts } from './verdict.combine';

/**
 * Checks one file on its own: its true type from the content, then the disclosure rules (tables,
 * workbooks sheet by sheet, archives member by member). Anything about the bytes becomes a
 * finding, never an exception; only a failure of `content` itself is rethrown, so the caller
 * retries rather than recording a verdict (fail closed). For files that belong together (a table
 * and its evidence, an ACRO results folder) use checkFiles.
 */
export const checkFile = async (fileName: string, content: AsyncIterable<Uint8Array>, policy: DisclosurePolicy = DEFAULT_POLICY): Promise<FileCheckResult> => {
  const { fileType, findings, cellsJudged } = await checkContent(fileName, content, policy, TOP_LEVEL);
  return { verdict: combineVerdicts(findings), fileType, findings, policy, rulesVersion: RULES_VERSION, ...(cellsJudged ? { cellsJudged } : {}) };
};
