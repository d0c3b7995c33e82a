import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// The layering eslint.config.mjs enforces (@nx/enforce-module-boundaries, from the tags in each
// project.json), tried on deliberate violations written for the run and removed after it. The
// rule needs the Nx project graph, so it is built first, as tools/test.sh does before linting.
jest.setTimeout(180_000);

const root = path.resolve(__dirname, '..');
const probes = {
  domainImportsApplication: 'libs/airlock/domain/src/zz-layering-probe.ts',
  domainLibImportsApplication: 'libs/airlock/release-record/src/zz-layering-probe.ts',
  appImportsApp: 'apps/audit/src/zz-layering-probe.ts',
  appImportsApplication: 'apps/disclosure-check/src/zz-layering-probe.ts',
  applicationImportsDomain: 'libs/airlock/application/src/zz-layering-probe.ts',
};
const sources: Record<keyof typeof probes, string> = {
  domainImportsApplication: "import { viewTag } from '@airlock/application';\nexport const probe = viewTag;\n",
  domainLibImportsApplication: "import { viewTag } from '@airlock/application';\nexport const probe = viewTag;\n",
  appImportsApp: "import { RequestsController } from '../../ingress/src/requests.controller';\nexport const probe = RequestsController;\n",
  appImportsApplication: "import { viewTag } from '@airlock/application';\nexport const probe = viewTag;\n",
  applicationImportsDomain: "import { fold } from '@airlock/domain';\nexport const probe = fold;\n",
};
type LintResult = { filePath: string; messages: { ruleId: string | null; message: string }[] };
let boundaryErrors: Record<keyof typeof probes, string[]>;

beforeAll(() => {
  const env = { ...process.env, NX_DAEMON: 'false' };
  execFileSync('npx', ['nx', 'show', 'projects'], { cwd: root, env, stdio: 'ignore' });
  for (const [name, file] of Object.entries(probes)) writeFileSync(path.join(root, file), sources[name as keyof typeof probes]);
  let output: string;
  try {
    output = execFileSync('npx', ['eslint', '--format', 'json', ...Object.values(probes)], { cwd: root, env, encoding: 'utf8' });
  } catch (error) {
    output = String((error as { stdout?: string }).stdout); // exit code 1: errors found, the JSON is on stdout
  } finally {
    for (const file of Object.values(probes)) rmSync(path.join(root, file), { force: true });
  }
  const results = JSON.parse(output) as LintResult[];
  boundaryErrors = Object.fromEntries(
    Object.entries(probes).map(([name, file]) => [
      name,
      (results.find((r) => r.filePath === path.join(root, file))?.messages ?? [])
        .filter((m) => m.ruleId === '@nx/enforce-module-boundaries')
        .map((m) => m.message),
    ]),
  ) as typeof boundaryErrors;
});

describe('module boundaries (lint)', () => {
  it('forbids the domain importing the application layer', () => {
    // The domain itself: the application layer depends on it, so the rule reports the cycle first.
    expect(boundaryErrors.domainImportsApplication.join('\n')).toMatch(/application/);
    // Any lib of the domain layer: the tag rule (type:domain depends only on type:domain).
    expect(boundaryErrors.domainLibImportsApplication.join('\n')).toMatch(/tagged with "type:domain" can only depend on libs tagged with "type:domain"/);
  });

  it('forbids an app importing another app', () => {
    expect(boundaryErrors.appImportsApp.length).toBeGreaterThan(0);
  });

  it('lets an app import the application layer, and the application layer the domain', () => {
    expect(boundaryErrors.appImportsApplication).toEqual([]);
    expect(boundaryErrors.applicationImportsDomain).toEqual([]);
  });
});
