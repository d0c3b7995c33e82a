import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// docs/style.md: a `type:domain` lib imports no Node I/O and reads no environment. The lint rule that
// says so names the older pure libs only; this keeps the release record to the same rule.
describe('the release record lib', () => {
  const sources = readdirSync(__dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));

  // The disclosure rules lib is pure too (its own lint rule); the record borrows its ACRO export.
  const PURE = ['@airlock/domain', '@airlock/disclosure-rules'];
  it.each(sources)('%s imports nothing but the pure libs and itself, and reads no clock or environment', (file) => {
    const text = readFileSync(path.join(__dirname, file), 'utf8');
    const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports.filter((i) => !PURE.includes(i) && !i.startsWith('./'))).toEqual([]);
    expect(text).not.toMatch(/\bprocess\.|new Date\(\)|Date\.now\(/);
  });
});
