import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectEventually, type ServiceName } from '@airlock/testing';
import { newProject, startAirlock, type AirlockUnderTest } from './airlock-stack';

// Contract fuzzing (issue 9, "Prove it holds"): schemathesis generates requests from each service's
// own OpenAPI document, as each role with a valid token, and checks every answer: no 5xx, and every
// response as its document describes it. Run by tools/fuzz/run.sh, which installs schemathesis
// (pinned) and sets SCHEMATHESIS; CI runs it as its own stage after the e2e tests.
const SCHEMATHESIS = process.env.SCHEMATHESIS ?? 'schemathesis';
// About four minutes of fuzzing in all, shared by every service and role.
const BUDGET_SECONDS = Number(process.env.AIRLOCK_FUZZ_BUDGET_SECONDS ?? 240);
const MAX_EXAMPLES = Number(process.env.AIRLOCK_FUZZ_MAX_EXAMPLES ?? 50);
const ROLES = ['researcher', 'output_checker', 'administrator', 'auditor'] as const;
const SERVICES: ServiceName[] = ['ingress', 'egress-review', 'audit', 'disclosure-check'];
const CHECKS = 'not_a_server_error,response_schema_conformance';
jest.setTimeout((BUDGET_SECONDS + 180) * 1000);

type Run = { service: ServiceName; role: string; exitCode: number | null; seconds: number; output: string };

let airlock: AirlockUnderTest;
let configFile: string;
const runs: Run[] = [];

const USERS: Record<(typeof ROLES)[number], string> = {
  researcher: 'fuzz-rita',
  output_checker: 'fuzz-carl',
  administrator: 'fuzz-root',
  auditor: 'fuzz-audrey',
};

/**
 * Ids that exist, offered to the fuzzer half of the time for path parameters of those names, so it
 * reaches past "not found" into the handlers; the other half it makes up its own.
 */
function writeConfig(dir: string, ids: Record<string, string[]>): string {
  const toml = (values: string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  const dictionaries = Object.entries(ids).map(([name, values]) => `[dictionaries.${name}]\nvalues = ${toml(values)}\n`);
  const parameters = Object.keys(ids).map((name) => `"path.${name}" = { dictionary = "${name}", probability = 0.5 }`);
  const file = path.join(dir, 'schemathesis.toml');
  writeFileSync(file, `${dictionaries.join('\n')}\n[parameters]\n${parameters.join('\n')}\n`);
  return file;
}

async function seed(): Promise<Record<string, string[]>> {
  const tokens = Object.fromEntries(await Promise.all(ROLES.map(async (role) => [role, await airlock.token(USERS[role], [role])])));
  const admin = airlock.client.as(tokens['administrator']);
  const researcher = airlock.client.as(tokens['researcher']);
  const project = newProject();
  await admin.setUpProject(project, { researchers: [USERS.researcher], checkers: [USERS.output_checker, 'fuzz-cora'] });
  const draft = await researcher.createRequest(project, 'Fuzzing: a draft');
  await researcher.defineGroup(draft.requestId, 'outputs', 'Admissions by ward', 'Counts under 10 suppressed');
  const { file: draftFile } = await researcher.upload(draft.requestId, 'draft.csv', 'ward,count\nA,120\nB,98\n');
  const review = await researcher.createRequest(project, 'Fuzzing: under review');
  await researcher.defineGroup(review.requestId, 'outputs', 'Admissions by ward', 'Counts under 10 suppressed');
  const { file: reviewFile } = await researcher.upload(review.requestId, 'by-ward.csv', 'ward,count\nA,120\nB,98\n');
  await researcher.submit(review.requestId);
  await expectEventually(
    async () => {
      const request = await researcher.getRequest(review.requestId);
      if (request.status !== 'awaiting_review') throw new Error(`still ${request.status}`);
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
  return {
    requestId: [draft.requestId, review.requestId],
    fileId: [draftFile.fileId, reviewFile.fileId],
    projectId: [project],
    userId: Object.values(USERS),
    group: ['outputs'],
    name: ['draft.csv', 'by-ward.csv'],
  };
}

function fuzz(service: ServiceName, role: (typeof ROLES)[number], token: string, seconds: number): Promise<Run> {
  const started = Date.now();
  const args = [
    '--config-file',
    configFile,
    '--no-color',
    'run',
    `${airlock.services[service].url}/openapi.json`,
    '--checks',
    CHECKS,
    '--max-examples',
    String(MAX_EXAMPLES),
    '--max-time',
    String(seconds),
    '--header',
    `Authorization: Bearer ${token}`,
    '--seed',
    String(process.env.AIRLOCK_FUZZ_SEED ?? Date.now() % 100_000),
    '--request-timeout',
    '30',
    '--output-truncate',
    'false',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(SCHEMATHESIS, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    // A run past its own budget (plus start-up) is stopped: the whole suite has a wall-clock budget.
    const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000);
    child.once('exit', (exitCode) => {
      clearTimeout(guard);
      resolve({ service, role, exitCode, seconds: Math.round((Date.now() - started) / 1000), output });
    });
  });
}

// What schemathesis says at the end of a run, e.g. "87 passed in 12.31s" or "2 failures, 40 passed".
const summaryOf = (output: string): string => {
  const lines = output
    .trim()
    .split('\n')
    .map((l) => l.replace(/=+/g, '').trim())
    .filter(Boolean);
  return lines.reverse().find((l) => /\b(passed|failed|failures?|errors?)\b/.test(l)) ?? '(no summary)';
};

// schemathesis's FAILURES section (each failing operation, check and reproducing curl), bounded.
const failuresOf = (output: string): string => {
  const start = output.search(/=+ (FAILURES|ERRORS) =+/);
  const end = output.search(/=+ (SUMMARY|WARNINGS) =+/);
  const section = start >= 0 ? output.slice(start, end > start ? end : undefined) : output.slice(-4000);
  return section.slice(0, 6000);
};

beforeAll(async () => {
  airlock = await startAirlock(3880);
  configFile = writeConfig(mkdtempSync(path.join(tmpdir(), 'airlock-fuzz-')), await seed());
});

afterAll(async () => {
  const rows = runs.map(
    (r) => `  ${r.service.padEnd(17)} ${r.role.padEnd(15)} exit ${String(r.exitCode).padEnd(4)} ${String(r.seconds).padStart(3)} s  ${summaryOf(r.output)}`,
  );
  console.log(`contract fuzzing (${CHECKS}), ${runs.length} runs:\n${rows.join('\n')}`);
  await airlock?.stop();
});

describe('every service answers whatever its OpenAPI document allows, as every role, without 5xx or schema violations', () => {
  // schemathesis takes a few seconds to start and load the document before its own clock runs.
  const perRun = Math.max(5, Math.floor(BUDGET_SECONDS / (SERVICES.length * ROLES.length)) - 3);
  const cases = SERVICES.flatMap((service) => ROLES.map((role) => [service, role] as const));

  it.each(cases)('%s as %s', async (service, role) => {
    const run = await fuzz(service, role, await airlock.token(USERS[role], [role]), perRun);
    runs.push(run);
    if (run.exitCode !== 0) console.log(`schemathesis against ${service} as ${role} failed:\n${run.output.slice(-20_000)}`);
    // The failing cases go into the compared value, so CI's short failure report names them.
    expect({ service, role, exitCode: run.exitCode, failures: run.exitCode === 0 ? '' : failuresOf(run.output) }).toEqual({
      service,
      role,
      exitCode: 0,
      failures: '',
    });
    // schemathesis exits 0 when it could not test anything (an unreachable API, say): that is no pass.
    expect(run.output).not.toMatch(/No test cases were generated/);
    expect(summaryOf(run.output)).toMatch(/\d+ passed/);
    // The services must still be the ones that started, not restarted or fallen over.
    expect(airlock.services[service].process.exitCode).toBeNull();
  });
});
