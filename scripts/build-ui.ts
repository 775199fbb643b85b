// Builds the web UI (ui/src) into ui/dist: hashed assets (cached for a year) and an index.html that
// names them. Runs at install (npm's prepare) and publish, never at request time. Fails when the
// page's JavaScript passes its budget (150 KB gzipped).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const root = path.resolve(import.meta.dirname, '..', 'ui');
const dist = path.join(root, 'dist');
const JS_BUDGET_GZIPPED = 150 * 1024;

rmSync(dist, { recursive: true, force: true });
mkdirSync(path.join(dist, 'assets'), { recursive: true });
const result = await build({
  entryPoints: [path.join(root, 'src', 'main.tsx')],
  outdir: path.join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  metafile: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
const script = outputs.find((file) => file.endsWith('.js'));
const style = outputs.find((file) => file.endsWith('.css'));
if (!script || !style) throw new Error(`build-ui: expected one .js and one .css output, got ${outputs.join(', ')}`);

const gzipped = gzipSync(readFileSync(path.join(dist, 'assets', script))).length;
if (gzipped > JS_BUDGET_GZIPPED) {
  throw new Error(`build-ui: ${script} is ${(gzipped / 1024).toFixed(1)} KB gzipped, over the ${JS_BUDGET_GZIPPED / 1024} KB budget`);
}

const html = readFileSync(path.join(root, 'index.html'), 'utf8')
  .replace('%SCRIPT%', `/ui/assets/${script}`)
  .replace('%STYLE%', `/ui/assets/${style}`);
writeFileSync(path.join(dist, 'index.html'), html);
writeFileSync(path.join(dist, 'manifest.json'), `${JSON.stringify({ script, style, scriptGzippedBytes: gzipped }, null, 2)}\n`);
console.log(`build-ui: ${script} ${(gzipped / 1024).toFixed(1)} KB gzipped, ${style}`);
