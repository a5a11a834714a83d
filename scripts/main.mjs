#!/usr/bin/env node
// The main job: train the default MAT model (and its ERM baseline) on the built-in Colored MNIST, then serve both
// locally. Extra arguments go to `mat-edge train`; an existing bundle is reused unless --retrain is given.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';

/**
 * Memorization is measured at the budget where it shows (docs/validation.md): with 1 random-half pair × 12 epochs the
 * half-models do not fit their half, and the bundles measured MAT ≥ ERM on the minority — the opposite of the paper.
 * With 4 pairs × 36 epochs the default bundles show ERM > MAT on the minority groups and minority > majority under ERM.
 * Flags given on the command line win.
 */
const MEMORIZATION_BUDGET = ['--memorization-pairs', '4', '--memorization-epochs', '36'];
const ADDON = 'native/blas/build/Release/blas.node';

/**
 * That budget is 16 half-models: affordable on the native BLAS path (and the worker pool), not on wasm alone. As root on
 * Debian the OpenBLAS headers are installed and the addon built here, as `npm test` does for Chromium; elsewhere the
 * message says how, and training goes on with wasm.
 */
function ensureNativeBlas() {
  if (existsSync(ADDON)) {
    // An addon older than its sources (a pull that added a kernel) is rebuilt: the trainer refuses an outdated one.
    const built = statSync(ADDON).mtimeMs;
    if (readdirSync('native/blas').some((f) => (f.endsWith('.cc') || f.endsWith('.h')) && statSync(`native/blas/${f}`).mtimeMs > built)) {
      spawnSync('node', ['native/blas/build.mjs'], { stdio: 'inherit' });
    }
    return;
  }
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log('main job: installing OpenBLAS for the native training path (apt-get install libopenblas-dev)…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'libopenblas-dev'], { stdio: 'inherit', env });
    spawnSync('node', ['native/blas/build.mjs'], { stdio: 'inherit' });
  }
  if (!existsSync(ADDON)) {
    console.log('main job: native BLAS is unavailable, so training runs on tfjs wasm and takes several times longer ' +
      '(sudo apt-get install libopenblas-dev && npm run build:blas to get it)');
  }
}

const args = process.argv.slice(2);
const retrain = args.includes('--retrain');
const trainArgs = args.filter((a) => a !== '--retrain');
const budget = trainArgs.some((a) => a.startsWith('--memorization-')) ? [] : MEMORIZATION_BUDGET;
if (retrain || !existsSync('bundles/mat-cmnist/manifest.json') || !existsSync('bundles/erm-cmnist/manifest.json')) {
  ensureNativeBlas();
  const t0 = Date.now();
  const r = spawnSync('node', ['bin/mat-edge.mjs', 'train', ...budget, ...trainArgs], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log(`main job: training and bundling took ${((Date.now() - t0) / 1000).toFixed(1)} s wall time`);
} else {
  console.log('main job: reusing bundles/mat-cmnist and bundles/erm-cmnist (pass --retrain to train again)');
}
const s = spawnSync('node', ['scripts/serve.mjs'], { stdio: 'inherit' });
process.exit(s.status ?? 0);
