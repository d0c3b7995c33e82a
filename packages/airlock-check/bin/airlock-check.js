#!/usr/bin/env node
// Thin launcher so that `npx airlock-check` works in a checkout: it runs apps/airlock-check/src/main.ts
// through the same TypeScript loader as the services.
const path = require('node:path');
const root = path.resolve(__dirname, '..', '..', '..');
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || path.join(root, 'tsconfig.json');
require(require.resolve('@swc-node/register', { paths: [root] }));
require(path.join(root, 'apps', 'airlock-check', 'src', 'main.ts'));
