#!/usr/bin/env node
// Builds the optional OpenBLAS sgemm addon (npm's postinstall; `npm run build:blas` by hand). Never fails the
// install: without libopenblas-dev (or a compiler) it prints one line saying why and the trainer uses wasm.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const addon = path.join(here, 'build', 'Release', 'blas.node');
const unavailable = (why) => {
  console.log(`native BLAS unavailable (${why}); the trainer will use tfjs wasm`);
  process.exit(0);
};

if (process.env.MAT_EDGE_SKIP_BLAS) unavailable('MAT_EDGE_SKIP_BLAS is set');

// npm hands lifecycle scripts its bundled node-gyp; by hand, find the one next to npm.
function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const npmCli = process.env.npm_execpath;
  const roots = [npmCli && path.join(path.dirname(npmCli), '..'), path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm')];
  for (const root of roots.filter(Boolean)) {
    const p = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(p)) return p;
  }
  return null;
}

const gyp = nodeGyp();
if (!gyp) unavailable('node-gyp not found next to npm');
const args = [gyp, 'rebuild', '--directory', here];
// Node's own headers when they are installed with it (distribution packages, official tarballs): no download.
const prefix = path.join(path.dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
if (r.status !== 0) {
  const out = `${r.stdout}\n${r.stderr}`;
  if (/cblas\.h: No such file|cannot find -lopenblas/.test(out)) unavailable('libopenblas-dev is not installed: apt-get install libopenblas-dev, then npm run build:blas');
  const lines = out.split('\n');
  const line = lines.find((l) => /\berror:/i.test(l)) ?? lines.find((l) => /gyp ERR! stack Error/.test(l)) ?? `node-gyp exited with ${r.status}`;
  unavailable(`build failed: ${line.trim().slice(0, 200)}`);
}

// A built addon must also load and multiply correctly: [1 2; 3 4]·[5 6; 7 8] = [19 22; 43 50]; a broken one is
// removed so that the trainer does not pick it up.
const broken = (why) => {
  rmSync(path.join(here, 'build'), { recursive: true, force: true });
  unavailable(why);
};
try {
  const blas = createRequire(import.meta.url)(addon);
  const c = new Float32Array(4);
  blas.sgemm(false, false, 2, 2, 2, 1, Float32Array.of(1, 2, 3, 4), 2, Float32Array.of(5, 6, 7, 8), 2, 0, c, 2);
  if (c.join(',') !== '19,22,43,50') broken(`the addon computed ${c.join(',')} for a 2×2 check`);
  console.log(`native BLAS built: ${blas.config()} (${path.relative(process.cwd(), addon)})`);
} catch (e) {
  broken(`the built addon does not load: ${e.message.split('\n')[0]}`);
}
