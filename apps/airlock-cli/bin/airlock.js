#!/usr/bin/env node
// Launcher for `airlock` (apps/airlock-cli): the compiled CLI in dist/ when `node tools/build.js`
// has made it (fast start), otherwise the TypeScript through the same loader as the services.
const fs = require('node:fs');
const path = require('node:path');
const root = path.resolve(__dirname, '..', '..', '..');
const compiled = path.join(root, 'dist', 'apps', 'airlock-cli', 'src', 'main.js');
if (process.env.AIRLOCK_CLI_FROM_SOURCE !== 'true' && fs.existsSync(compiled)) {
  require(path.join(root, 'dist', 'register-aliases.js'));
  require(compiled);
} else {
  process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || path.join(root, 'tsconfig.json');
  require(require.resolve('@swc-node/register', { paths: [root] }));
  require(path.join(root, 'apps', 'airlock-cli', 'src', 'main.ts'));
}
