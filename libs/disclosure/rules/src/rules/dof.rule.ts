import type { DisclosurePolicy } from '../disclosure.policy';
import type { Finding } from '../disclosure.types';

/**
 * SDC handbook and ACRO (safe_dof_threshold 10): a model with few residual degrees of freedom
 * is close to a description of its few observations, so residual DoF below the minimum fails.
 */
export const dofRule = (residualDofs: readonly number[], policy: Pick<DisclosurePolicy, 'minResidualDof'>): Finding[] => {
  const failing = residualDofs.filter((dof) => dof < policy.minResidualDof).length;
  if (failing === 0) return [];
  const models = `${failing} model${failing === 1 ? ' has' : 's have'}`;
  return [{ rule: 'dof', verdict: 'fail', cells: [], message: `${models} fewer than ${policy.minResidualDof} residual degrees of freedom` }];
};

// Where model summaries state their residual degrees of freedom.
const RESIDUAL_DOF_PATTERNS = [
  /Df Residuals:\s+(\d+)/g, // Python statsmodels summary()
  /on (\d+) degrees of freedom/g, // R summary.lm: "Residual standard error: ... on 8 degrees of freedom"
  /Residual deviance:\s+[\d.eE+-]+\s+on (\d+)\s+degrees of freedom/g, // R summary.glm
];

/** The residual degrees of freedom of every model summary found in the text, in order of appearance. */
export const findResidualDof = (text: string): number[] => {
  const found: { at: number; dof: number }[] = [];
  const seenAt = new Set<number>();
  for (const pattern of RESIDUAL_DOF_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const at = (match.index ?? 0) + match[0].length; // the glm pattern also matches the plain one's tail
      if (seenAt.has(at)) continue;
      seenAt.add(at);
      found.push({ at, dof: Number(match[1]) });
    }
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.dof);
};
