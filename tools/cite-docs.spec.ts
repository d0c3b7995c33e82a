import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

// Comments and docs cite only files in the repo (docs/style.md, "Comments and docs"): the design and
// the code style live in docs/design.md and docs/style.md. The old upper-case names are assembled
// here from parts so that this spec does not cite them itself.
const oldNames = ['DESIGN', 'STYLE'].map((name) => `${name}.md`);
const oldCitation = new RegExp(`(${oldNames.map((n) => n.replace('.', '\\.')).join('|')})`);

const repoRoot = join(__dirname, '..');
const skippedDirs = new Set(['node_modules', '.git', 'dist', 'tmp', 'coverage', '.nx', '.airlock', 'out']);
const textFile = /\.(ts|js|mjs|cjs|md|sh|json|ya?ml|py)$|(^|\/)Dockerfile$/;
// The two pages themselves may explain where they came from; the lock file is not ours to edit.
const exempt = new Set(['docs/design.md', 'docs/style.md', 'package-lock.json']);

const textFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return skippedDirs.has(entry.name) ? [] : textFiles(path);
    return entry.isFile() && textFile.test(entry.name) ? [path] : [];
  });

const citingLines = (root: string): string[] =>
  textFiles(root)
    .map((path) => relative(root, path))
    .filter((path) => !exempt.has(path))
    .flatMap((path) =>
      readFileSync(join(root, path), 'utf8')
        .split('\n')
        .flatMap((line, i) => (oldCitation.test(line) ? [`${path}:${i + 1}: ${line.trim()}`] : [])),
    );

describe('citations of the design and style pages', () => {
  it('name docs/design.md and docs/style.md everywhere in the repo (run tools/cite-docs.sh to fix)', () => {
    expect(citingLines(repoRoot)).toEqual([]);
  });
});

describe('tools/cite-docs.sh', () => {
  let root: string;
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const read = (path: string): string => readFileSync(join(root, path), 'utf8');
  const run = (): string => execFileSync('bash', [join(repoRoot, 'tools/cite-docs.sh'), root], { encoding: 'utf8' });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cite-docs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('rewrites every citation in code, configs, READMEs and ADRs, and nothing else', () => {
    const [design, style] = oldNames;
    write('libs/a/src/a.ts', `// ${design} invariant 7 and ${style}: why.\nconst x = 1;\n`);
    write('libs/a/README.md', `Fail closed (${design} invariants 3, 4 and 6).\n`);
    write('docs/adr/0001-x.md', `${design}'s invariants 3 and 4; see docs/${design} too.\n`);
    write('eslint.config.mjs', `message: 'Use a union (${style}).'\n`);
    write('docs/asyncapi/a.yaml', `description: The product (${design}, "Events").\n`);
    write('node_modules/dep/index.js', `// ${design}\n`);
    write('libs/a/src/b.ts', 'const untouched = 2;\n');

    const printed = run();

    expect(read('libs/a/src/a.ts')).toBe('// docs/design.md invariant 7 and docs/style.md: why.\nconst x = 1;\n');
    expect(read('libs/a/README.md')).toBe('Fail closed (docs/design.md invariants 3, 4 and 6).\n');
    expect(read('docs/adr/0001-x.md')).toBe("docs/design.md's invariants 3 and 4; see docs/design.md too.\n");
    expect(read('eslint.config.mjs')).toBe("message: 'Use a union (docs/style.md).'\n");
    expect(read('docs/asyncapi/a.yaml')).toBe('description: The product (docs/design.md, "Events").\n');
    expect(read('node_modules/dep/index.js')).toBe(`// ${design}\n`);
    expect(read('libs/a/src/b.ts')).toBe('const untouched = 2;\n');
    expect(printed.trim().split('\n').sort()).toEqual(
      ['docs/adr/0001-x.md', 'docs/asyncapi/a.yaml', 'eslint.config.mjs', 'libs/a/README.md', 'libs/a/src/a.ts'].map((f) => `rewrote ${f}`),
    );
    expect(citingLines(root)).toEqual([]);
  });

  it('changes nothing on a second run', () => {
    write('libs/a/src/a.ts', `// ${oldNames[0]} invariant 1\n`);
    run();
    const once = read('libs/a/src/a.ts');
    expect(run()).toBe('');
    expect(read('libs/a/src/a.ts')).toBe(once);
  });
});
