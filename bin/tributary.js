#!/usr/bin/env node
// The `tributary` command. Runs on the Node 24 that the `node` npm dependency installs.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(`tributary needs Node 24 or newer (this is ${process.version}). Run it through npm (npx tributary, npm start), which uses the Node 24 from node_modules/.bin.`);
  process.exit(1);
}
await import('../src/cli/main.ts');
