// Lint rules that carry weight: module boundaries between Nx projects are enforced here,
// so the pure domain can never grow a dependency on a framework, a driver or Node I/O.
import nx from '@nx/eslint-plugin';

const frameworkAndIo = ['@nestjs/*', 'typeorm', 'kafkajs', '@aws-sdk/*', 'pg', 'pg-*', 'clamscan', 'express', '@electric-sql/*', 'jose', 'pino', 'prom-client'];

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/tmp/**', '.nx/**', 'coverage/**', 'bench/out/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'], bannedExternalImports: frameworkAndIo },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain'], bannedExternalImports: frameworkAndIo },
            // The use-case layer (libs/airlock/application): decides through the domain, stores through ports.
            { sourceTag: 'type:application', onlyDependOnLibsWithTags: ['type:application', 'type:adapter', 'type:contracts', 'type:domain'] },
            { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:adapter', 'type:contracts', 'type:domain'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:testing', 'type:application', 'type:adapter', 'type:contracts', 'type:domain'] },
            // No app imports another app: what two services share lives in a lib.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:application', 'type:adapter', 'type:contracts', 'type:domain', 'type:testing'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:testing', 'type:application', 'type:contracts', 'type:domain', 'type:adapter'] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-definitions': ['error', 'type'],
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Use a string-literal union instead of enum (docs/style.md).' }],
    },
  },
  {
    // Tests of adapters and apps may use the shared test kit (identity provider, real-stack helpers).
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          depConstraints: [
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'], bannedExternalImports: frameworkAndIo },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain'] },
            { sourceTag: 'type:app', notDependOnLibsWithTags: ['type:app'] },
            { sourceTag: '*', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
    },
  },
  {
    // The domain takes time, ids and the actor from the command: no clocks, no env, no Node I/O.
    files: ['libs/airlock/domain/**/*.ts', 'libs/disclosure/rules/**/*.ts', 'libs/airlock/contracts/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      // node:zlib and node:buffer are computation (inflating zip members; telling ASCII text from
      // other bytes), not I/O: docs/adr/0009-zlib-inflate-and-csv-parsing.md.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '!node:zlib', '!node:buffer', 'fs', 'path', 'crypto', 'stream', 'http', 'https', 'net', 'os', 'child_process'],
              message: 'Pure libs import no Node I/O.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'Pure libs read no environment.' }],
    },
  },
];
