import { AirlockClient, startServiceProcess, uniqueId, type TestIdentityProvider } from '@airlock/testing';

// Safe people: only an accredited member of a project may create a request in it. The registry is
// administered through egress-review, so it runs just long enough to set up the bench's project,
// and is stopped before anything is measured.

export const BENCH_RESEARCHER = 'bench-researcher';

export async function setUpBenchProject(env: Record<string, string>, egressReviewPort: number, idp: TestIdentityProvider): Promise<string> {
  const egressReview = await startServiceProcess('egress-review', egressReviewPort, env);
  try {
    const admin = new AirlockClient({ ingress: '', egressReview: egressReview.url, audit: '' }, await idp.token('bench-admin', ['administrator']));
    const projectId = uniqueId('bench');
    await admin.setUpProject(projectId, { researchers: [BENCH_RESEARCHER], checkers: [] });
    return projectId;
  } finally {
    await egressReview.kill('SIGTERM');
  }
}
