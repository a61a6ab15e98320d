// Builds the UI into internal/web/assets (committed, embedded by Go).
// Reproducible: pinned versions from package-lock.json, no timestamps, no
// source maps. Run with `npm ci && npm run build` in dashboards/web.
//
// app.js is an ES module split into chunks: ECharts (src/echarts.js) and
// the Journey's chart kinds are imported dynamically, so they load beside
// the page's data calls and only where drawn; chunks shared between them
// are chunk-<hash>.js. theme.js stays a classic script, run in <head>.
import { build } from 'esbuild';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';

const out = new URL('../../internal/web/assets/', import.meta.url).pathname;
// Chunks of an earlier build must not linger in the embedded assets.
for (const f of readdirSync(out)) if (f.endsWith('.js')) rmSync(out + f);
const common = { bundle: true, minify: true, target: ['es2020'], legalComments: 'eof', logLevel: 'info' };
await build({ ...common, entryPoints: ['src/app.js'], outdir: out, format: 'esm', splitting: true, chunkNames: 'chunk-[hash]' });
await build({ ...common, entryPoints: ['src/theme.js'], outfile: out + 'theme.js', format: 'iife' });
// Record what went into the bundle, for licences and review.
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const pkgs = Object.entries(lock.packages).filter(([p]) => p.startsWith('node_modules/') && !p.includes('esbuild'))
  .map(([p, v]) => `${p.slice('node_modules/'.length)} ${v.version} ${v.license || ''}`).sort();
writeFileSync(out + 'VENDORED.txt', 'Bundled into app.js by dashboards/web/build.mjs:\n' + pkgs.join('\n') + '\n');
