// Builds the UI bundle into internal/web/assets (committed, embedded by Go).
// Reproducible: pinned versions from package-lock.json, no timestamps, no
// source maps. Run with `npm ci && npm run build` in dashboards/web.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';

const out = new URL('../../internal/web/assets/', import.meta.url).pathname;
const common = { bundle: true, minify: true, format: 'iife', target: ['es2020'], legalComments: 'eof', logLevel: 'info' };
await build({ ...common, entryPoints: ['src/app.js'], outfile: out + 'app.js' });
await build({ ...common, entryPoints: ['src/theme.js'], outfile: out + 'theme.js' });
// Record what went into the bundle, for licences and review.
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const pkgs = Object.entries(lock.packages).filter(([p]) => p.startsWith('node_modules/') && !p.includes('esbuild'))
  .map(([p, v]) => `${p.slice('node_modules/'.length)} ${v.version} ${v.license || ''}`).sort();
writeFileSync(out + 'VENDORED.txt', 'Bundled into app.js by dashboards/web/build.mjs:\n' + pkgs.join('\n') + '\n');
