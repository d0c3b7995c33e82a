import { createHash } from 'node:crypto';
import { AirlockClient, ApiError, devToken, expectEventually, type RequestView } from '@airlock/testing';

// `npm run demo`: one request through the public HTTP APIs of a running airlock (`npm start`),
// printing each step. Needs the development issuer, which `npm start` turns on (AIRLOCK_DEV_IDENTITY=true)
// on embedded defaults only.
// The same port variables `npm start` reads, so one set of exports serves both.
const local = (port: string | undefined, fallback: number) => `http://127.0.0.1:${port ?? fallback}`;
const urls = {
  ingress: process.env.AIRLOCK_INGRESS_URL ?? local(process.env.AIRLOCK_INGRESS_PORT, 3000),
  egressReview: process.env.AIRLOCK_EGRESS_REVIEW_URL ?? local(process.env.AIRLOCK_EGRESS_REVIEW_PORT, 3001),
  audit: process.env.AIRLOCK_AUDIT_URL ?? local(process.env.AIRLOCK_AUDIT_PORT, 3002),
};

const step = (n: number, text: string) => process.stdout.write(`\n[${n}] ${text}\n`);
const info = (text: string) => process.stdout.write(`    ${text}\n`);

const TABLE = 'region,cases_2024,cases_2025\nNorth,120,134\nSouth,98,101\nEast,57,66\nWest,210,188\n';

async function main() {
  const anon = new AirlockClient(urls, undefined);
  try {
    await fetch(`${urls.ingress}/health/ready`);
  } catch {
    throw new Error(`No airlock answers at ${urls.ingress}: start it first with \`npm start\``);
  }
  const researcher = anon.as(
    await devToken(urls.ingress, 'alice', ['researcher']).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 404) {
        throw new Error(
          `${urls.ingress} serves no development issuer: the demo needs \`npm start\` on embedded defaults (AIRLOCK_DEV_IDENTITY=true), not an OIDC provider`,
        );
      }
      throw error;
    }),
  );
  const checker1 = anon.as(await devToken(urls.ingress, 'chris', ['output_checker']));
  const checker2 = anon.as(await devToken(urls.ingress, 'dana', ['output_checker']));
  const auditor = anon.as(await devToken(urls.ingress, 'sam', ['auditor']));
  const admin = anon.as(await devToken(urls.ingress, 'root', ['administrator']));

  step(0, 'The TRE administrator sets up a project: alice researches, chris and dana check; all accredited');
  const project = `demo-${Date.now().toString(36)}`;
  await admin.setUpProject(project, { researchers: ['alice'], checkers: ['chris', 'dana'] });
  info(`project ${project}: approval policy = 2 independent checkers`);

  step(1, 'Researcher alice creates an egress request and describes its outputs');
  const created = await researcher.createRequest(project, 'Cases by region, 2024-2025');
  const id = created.requestId;
  await researcher.defineGroup(id, 'outputs', 'Case counts by region from the 2024-2025 registry extract', 'Counts under 10 would be suppressed; none are');
  info(`request ${id}: ${created.status}`);

  step(2, 'She uploads a frequency table (streamed, hashed on the way in)');
  const { file } = await researcher.upload(id, 'cases-by-region.csv', TABLE);
  info(`${file.name}: ${file.size} bytes, sha256 ${file.sha256}`);

  step(3, 'She submits: the file is frozen into quarantine');
  info(`status: ${(await researcher.submit(id)).status}`);

  step(4, 'disclosure-check scans it for malware (clamd) and applies the disclosure rules');
  const reviewed = await expectEventually(
    async () => {
      const r = await researcher.getRequest(id);
      if (!['awaiting_review', 'blocked', 'failed'].includes(r.status)) throw new Error(`still ${r.status}`);
      return r;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  const f = reviewed.files[0];
  info(`status: ${reviewed.status}; scan: ${JSON.stringify(f.scan)}; verdict: ${f.check?.verdict} (${f.check?.findings.length ?? 0} findings)`);

  step(5, 'Checkers chris and dana review it in egress-review');
  const queue = await checker1.listReviews('awaiting_review');
  info(`chris sees ${queue.items.length} request(s) awaiting review`);
  try {
    await checker1.vote(id, f.fileId, 'approve', { comment: 'Counts all at or above 10' });
    info('chris approved');
    await checker2.vote(id, f.fileId, 'approve');
    info('dana approved');
  } catch (error) {
    if (error instanceof ApiError && error.body.code === 'FILE_NOT_SCANNED') {
      info('approval refused: the file was NOT SCANNED (no clamd reachable), so it can never be released.');
      info('The request is held in review. `npm start` said why it has no clamd: fix that, start again, and rerun the demo.');
      await printAudit(auditor, id, 'airlock.request.review-opened.v1');
      return;
    }
    throw error;
  }

  step(6, 'egress-review copies the file to the released bucket after verifying its hash');
  const released: RequestView = await expectEventually(
    async () => {
      const r = await researcher.getRequest(id);
      if (r.status !== 'released') throw new Error(`still ${r.status}`);
      return r;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  info(`status: ${released.status}`);

  step(7, 'Alice downloads the released file through a single-use link');
  const body = Buffer.from(await (await researcher.download(id, f.fileId)).arrayBuffer());
  const sha = createHash('sha256').update(body).digest('hex');
  info(`${body.length} bytes, sha256 ${sha} ${sha === f.sha256 ? '(identical to the upload)' : '(DIFFERENT!)'}`);
  await printAudit(auditor, id, 'airlock.request.file-downloaded.v1');
  await importDemo(researcher, checker1, project);
}

/** Files come INTO the TRE the same way, under the project's import policy (docs/adr/0012-imports.md). */
async function importDemo(researcher: AirlockClient, checker: AirlockClient, project: string) {
  step(8, 'The other direction: alice imports a lookup table into the TRE (default import policy: one checker)');
  const { requestId } = await researcher.createRequest(project, 'Region lookup for the analysis', 'import');
  await researcher.defineGroup(requestId, 'outputs', 'Region codes and names (public reference data)', 'Public data');
  const refused = await researcher.upload(requestId, 'setup.exe', 'MZ').catch((error: unknown) => error);
  info(`setup.exe: ${refused instanceof ApiError ? `refused ${refused.status} ${refused.body.code}: ${refused.body.detail}` : 'ACCEPTED (unexpected)'}`);
  const { file } = await researcher.upload(requestId, 'regions.csv', 'code,name\nN,North\nS,South\nE,East\nW,West\n');
  info(`regions.csv: ${file.content?.kind} (${file.content?.mediaType})`);
  await researcher.submit(requestId);
  const review = await expectEventually(
    async () => {
      const r = await researcher.getRequest(requestId);
      if (!['awaiting_review', 'blocked', 'failed'].includes(r.status)) throw new Error(`still ${r.status}`);
      return r;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  info(`status: ${review.status}; scan: ${JSON.stringify(review.files[0].scan)}; disclosure rules: ${review.files[0].check?.['rulesVersion']}`);
  const decided = await checker.vote(requestId, review.files[0].fileId, 'approve').catch((error: unknown) => error);
  if (decided instanceof ApiError) {
    info(`approval refused: ${decided.body.code} (an import is scanned like an export; without clamd it stays "not scanned")`);
    return;
  }
  const done = await expectEventually(
    async () => {
      const r = await researcher.getRequest(requestId);
      if (r.status !== 'released') throw new Error(`still ${r.status}`);
      return r;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  info(`chris approved; status: ${done.status}, direction ${done.direction}, in the ${done.destination} bucket (never in released)`);
}

async function printAudit(auditor: AirlockClient, id: string, lastType: string) {
  process.stdout.write("\n[audit] The security team's view of this request\n");
  const records = await expectEventually(
    async () => {
      const r = await auditor.auditRecords({ subject: id });
      if (!r.items.some((i) => i.envelope.type === lastType)) throw new Error('audit records still arriving');
      return r;
    },
    { timeoutMs: 15_000 },
  );
  for (const r of records.items) info(`#${r.position} ${r.envelope.type}`);
  const verdict = await auditor.verifyAudit();
  info(`chain of ${verdict.count} records: ${verdict.valid ? 'verifies' : `BROKEN at ${verdict.firstInvalidPosition}`}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
