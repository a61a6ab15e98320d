// Builds the UI into internal/web/assets (committed, embedded by Go).
// Reproducible: pinned versions from package-lock.json, no timestamps, no
// source maps. Run with `npm ci && npm run build` in dashboards/web.
//
// app.js is an ES module split into chunks: ECharts (src/echarts.js) and
// the Journey's chart kinds are imported dynamically, so they load beside
// the page's data calls and only where drawn; chunks shared between them
// are chunk-<hash>.js. theme.js stays a classic script, run in <head>.
// preload.txt names, one a line, the modules every page starts with
// (app.js's imports and ECharts', not the Journey's kinds): the pages list
// them as <link rel="modulepreload">, so the browser fetches and compiles
// them beside app.js instead of one after the other as it finds them.
import { build } from 'esbuild';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';

const out = new URL('../../internal/web/assets/', import.meta.url).pathname;
// Chunks of an earlier build must not linger in the embedded assets.
for (const f of readdirSync(out)) if (f.endsWith('.js')) rmSync(out + f);
const common = { bundle: true, minify: true, target: ['es2020'], legalComments: 'eof', logLevel: 'info' };
const app = await build({ ...common, entryPoints: ['src/app.js'], outdir: out, format: 'esm', splitting: true,
  chunkNames: 'chunk-[hash]', metafile: true });
const outputs = app.metafile.outputs;
const preload = new Set();
const add = (o) => {
  for (const i of outputs[o].imports) {
    if (i.kind === 'import-statement' && !preload.has(i.path)) {
      preload.add(i.path);
      add(i.path);
    }
  }
};
const echarts = Object.keys(outputs).find((o) => outputs[o].entryPoint === 'src/echarts.js');
add(Object.keys(outputs).find((o) => outputs[o].entryPoint === 'src/app.js'));
preload.add(echarts);
add(echarts);
writeFileSync(out + 'preload.txt', [...preload].map((o) => o.slice(o.lastIndexOf('/') + 1)).join('\n') + '\n');
await build({ ...common, entryPoints: ['src/theme.js'], outfile: out + 'theme.js', format: 'iife' });
// Record what went into the bundle, for licences and review.
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const pkgs = Object.entries(lock.packages).filter(([p]) => p.startsWith('node_modules/') && !p.includes('esbuild'))
  .map(([p, v]) => `${p.slice('node_modules/'.length)} ${v.version} ${v.license || ''}`).sort();
writeFileSync(out + 'VENDORED.txt', 'Bundled into app.js and its chunks by dashboards/web/build.mjs:\n' + pkgs.join('\n') + '\n');
