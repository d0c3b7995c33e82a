import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_POLICY, parsePolicy, PolicyError, type DisclosurePolicy } from '@airlock/disclosure-rules';

/** The policy named by --policy over the defaults; every problem is a PolicyError naming the file. */
export const loadPolicy = async (path: string | null, cwd: string): Promise<DisclosurePolicy> => {
  if (path === null) return DEFAULT_POLICY;
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch (error) {
    throw new PolicyError(`Cannot read the policy file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}.`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new PolicyError(`The policy file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return parsePolicy(document);
  } catch (error) {
    if (error instanceof PolicyError) throw new PolicyError(`In the policy file ${path}: ${error.message}`);
    throw error;
  }
};
