#!/usr/bin/env node
// The main job: train the default MAT model (and its ERM baseline) on the built-in Colored MNIST, then serve both
// locally. Extra arguments go to `mat-edge train`; an existing bundle is reused unless --retrain is given.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const args = process.argv.slice(2);
const retrain = args.includes('--retrain');
const trainArgs = args.filter((a) => a !== '--retrain');
if (retrain || !existsSync('bundles/mat-cmnist/manifest.json') || !existsSync('bundles/erm-cmnist/manifest.json')) {
  const t0 = Date.now();
  const r = spawnSync('npx', ['tsx', 'trainer/src/cli/index.ts', 'train', ...trainArgs], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  console.log(`main job: training and bundling took ${((Date.now() - t0) / 1000).toFixed(1)} s wall time`);
} else {
  console.log('main job: reusing bundles/mat-cmnist and bundles/erm-cmnist (pass --retrain to train again)');
}
const s = spawnSync('node', ['scripts/serve.mjs'], { stdio: 'inherit' });
process.exit(s.status ?? 0);
