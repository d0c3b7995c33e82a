// One jest run, three levels (docs/style.md): unit tests are pure; integration and e2e tests
// talk to the real servers started by deploy/local/stack.sh.
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]));
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
  },
];
const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'],
      setupFiles: ['<rootDir>/libs/testing/src/jest-real-stack.setup.ts'],
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/e2e/**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/libs/testing/src/jest-real-stack.setup.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest-e2e.global-setup.ts',
    },
    {
      // Contract fuzzing (tools/fuzz/run.sh): e2e-like, but needs schemathesis, so a stage of its own.
      ...base,
      displayName: 'fuzz',
      testMatch: ['<rootDir>/e2e/**/*.fuzz-spec.ts'],
      setupFiles: ['<rootDir>/libs/testing/src/jest-real-stack.setup.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest-e2e.global-setup.ts',
    },
  ],
};
